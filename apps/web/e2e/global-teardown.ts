import { rm } from 'node:fs/promises';

// Drops the run's throwaway data directory (SQLite file, generated images).
export default async function globalTeardown(): Promise<void> {
  const root = process.env.ATELIER_E2E_ROOT;
  if (root?.includes('atelier-e2e-')) await rm(root, { recursive: true, force: true });
}
