/** The first admin the e2e server is booted with (a throwaway data directory per run). */
export const e2eAdmin = { username: 'admin', password: 'e2e-admin-Passw0rd' } as const;

/** The curator the admin test creates through the UI. */
export const e2eCurator = { username: 'cora.curator', password: 'curator-Passw0rd' } as const;

/** Created through the API by the generation specs (independent of the admin story). */
export const e2eGenCurator = {
  username: 'gina.curator',
  password: 'gina-Passw0rd',
  role: 'curator',
} as const;
export const e2ePlainUser = { username: 'ulla.user', password: 'ulla-Passw0rd', role: 'user' } as const;
/** Seeds and searches the gallery (search.spec). */
export const e2eSearchCurator = {
  username: 'sasha.search',
  password: 'sasha-Passw0rd',
  role: 'curator',
} as const;
/** Paints masks and inpaints (inpaint.spec): a plain user, as most painters are. */
export const e2eInpaintUser = { username: 'ines.inpaint', password: 'ines-Passw0rd', role: 'user' } as const;
/** Changes their own password and ends sessions (account.spec). */
export const e2eAccountUser = {
  username: 'ada.account',
  password: 'ada-Passw0rd-1',
  role: 'user',
} as const;
/** Has their password reset by the admin in the Users table (account.spec). */
export const e2eResetUser = {
  username: 'rita.reset',
  password: 'rita-Passw0rd-1',
  role: 'user',
} as const;
/** Generates from input images and uses results as inputs (img2img.spec): a plain user. */
export const e2eImg2imgUser = { username: 'ivo.img2img', password: 'ivo-Passw0rd', role: 'user' } as const;
/** Imports a workflow, runs it once and saves it as a template (import-workflow.spec). */
export const e2eImportCurator = {
  username: 'iris.import',
  password: 'iris-Passw0rd',
  role: 'curator',
} as const;
