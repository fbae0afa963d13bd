/**
 * The first line of an error's message, without terminal colours (Playwright colours its assertion messages),
 * cut to a length that fits one line of `npm test`'s list of failures.
 */
export function firstLine(message: string | undefined): string {
  const line = (message ?? '').replace(/\u001b\[[0-9;]*m/g, '').split('\n', 1)[0]!.trim();
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}
