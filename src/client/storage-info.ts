/**
 * How this origin's storage stands: bytes used and available (as the browser estimates them), and whether it is
 * persistent: `persisted` is the answer to the queue's `persist` request when it made one, else the browser's.
 */
export async function storageInfo(persistRequest: Promise<boolean> | undefined): Promise<{ persisted: boolean; usage: number | undefined; quota: number | undefined }> {
  const storage = typeof navigator !== 'undefined' ? navigator.storage : undefined;
  const [estimate, persisted] = await Promise.all([
    storage?.estimate?.().catch(() => undefined),
    persistRequest ?? storage?.persisted?.().catch(() => false) ?? false,
  ]);
  return { persisted, usage: estimate?.usage, quota: estimate?.quota };
}
