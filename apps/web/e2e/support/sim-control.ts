/** Takes the simulated ComfyUI off the network and back (see comfy-sim-server.mjs). */
export async function simControl(action: 'down' | 'up' | 'restart'): Promise<void> {
  const port = process.env.ATELIER_E2E_SIM_CONTROL_PORT;
  if (!port) throw new Error('ATELIER_E2E_SIM_CONTROL_PORT is not set: run through playwright.config.ts');
  const response = await fetch(`http://127.0.0.1:${port}/${action}`, { method: 'POST' });
  if (!response.ok) throw new Error(`sim control ${action} answered ${response.status}`);
}
