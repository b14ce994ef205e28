// Tiny server-rendered pages (connect flow). Every interpolated value is escaped.
const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ESC[c]!);

/** A value that is already HTML (built with `esc`), so `page` does not escape it twice. */
export class Html {
  constructor(readonly value: string) {}
}

export function page(title: string, body: Html): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · Synq</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1d232b}
h1{font-size:1.4rem}form{margin:1rem 0;padding:1rem;border:1px solid #d5dae0;border-radius:8px}
label{display:block;margin:.4rem 0}input{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}
button{margin-top:.7rem;padding:.5rem 1rem;font-size:1rem}code{background:#eef1f4;padding:.1rem .3rem}</style>
</head><body><h1>${esc(title)}</h1>${body.value}</body></html>`;
}
