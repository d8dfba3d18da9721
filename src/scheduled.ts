// PLACEHOLDER — cron dispatch (lead); the real one lands with the SyncCoordinator (see src/cron.ts).
export async function runScheduled(_cron: string, _scheduledTime: number, _env: Env): Promise<void> {}
