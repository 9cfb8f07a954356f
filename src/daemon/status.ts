/** Live counters of a running daemon, for `vmx status` (GET /v1/status). */
export class DaemonStatus {
  readonly startedAt = Date.now();
  url = '';
  total = 0;
  inFlight = 0;
  errors = 0;

  snapshot(version: string) {
    return {
      pid: process.pid,
      url: this.url,
      version,
      startedAt: new Date(this.startedAt).toISOString(),
      uptimeMs: Date.now() - this.startedAt,
      requests: { total: this.total, inFlight: this.inFlight, errors: this.errors },
    };
  }
}
