// Whether ../shared/contracts (beside the repository) is there. A clone on its own has no
// ../shared: the fakes then run unvalidated, and the tests that are about validation itself
// (the fake refusing a request that breaks the contract, counting validated requests) are
// skipped with a visible notice instead of failing. CI always has ../shared.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const CONTRACTS = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'contracts');

/** True when ../shared/contracts/<provider> exists; prints a notice when it does not. */
export function haveContracts(provider: string): boolean {
  const present = existsSync(resolve(CONTRACTS, provider));
  if (!present) console.warn(`NOTICE: ../shared/contracts/${provider} is missing: the tests that check the ${provider} fake's validation are skipped in this run`);
  return present;
}
