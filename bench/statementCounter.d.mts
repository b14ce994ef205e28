/** See statementCounter.mjs: counts this process's node-postgres statements by their first words. */
export function installStatementCounter(): () => Map<string, number>;
