// PLACEHOLDER — cron dispatch, written by the lead.
export async function runScheduled(_cron: string, _scheduledTime: number, _env: Env): Promise<void> {}
