export interface HealthResponse {
  status: 'ok';
  version: string;
  /** Set when the server runs against the bundled ComfyUI simulator (demo mode). */
  demo: boolean;
}
