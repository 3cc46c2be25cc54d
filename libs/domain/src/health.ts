export type ServiceState = 'up' | 'down';
export interface HealthReport {
  status: 'ok' | 'degraded';
  services: {
    postgres: { status: ServiceState; error?: string };
    redis: { status: ServiceState; error?: string };
    s3: { status: ServiceState; error?: string };
  };
}
