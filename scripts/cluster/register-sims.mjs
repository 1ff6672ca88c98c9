// Registers simulators 2..N as ComfyUI backends through the admin API of a running replica (the
// first one is the default backend, set through COMFY_API_URL). Skips URLs already registered.
// Usage: node register-sims.mjs <api base URL> <admin password> <sim URL>...
const [base, password, ...urls] = process.argv.slice(2);

async function call(path, init = {}, token) {
  const response = await fetch(`${base}${path}`, {
    ...init,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok)
    throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${body.message ?? ''}`);
  return body;
}

try {
  const { access_token: token } = await call('/api/auth/login', {
    method: 'POST',
    body: JSON.stringify({ username: 'admin', password }),
  });
  const listed = await call('/api/admin/backends', {}, token);
  const known = new Set(listed.items.map((b) => b.url));
  for (const [index, url] of urls.entries()) {
    if (known.has(url)) continue;
    await call(
      '/api/admin/backends',
      { method: 'POST', body: JSON.stringify({ name: `sim-${index + 2}`, url }) },
      token,
    );
    console.log(`    registered ${url} as backend sim-${index + 2}`);
  }
} catch (err) {
  console.error(
    `cluster: could not register the extra simulators (${err.message}); add them in Admin → Backends`,
  );
  process.exitCode = 1;
}
