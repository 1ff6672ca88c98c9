import type { ApiScope, AuthUser, Role } from '@atelier/contract';
import { applyDecorators, createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';
import type { Request } from 'express';

// Route metadata only: features mark their routes here and auth/'s global guards read the marks, so
// no feature imports auth/ (users/ would otherwise depend on auth/, which depends on users/).
export const IS_PUBLIC_KEY = 'atelier:isPublic';
export const REQUIRED_ROLE_KEY = 'atelier:requiredRole';

/** Opts a route out of the global authentication guard (secure by default). */
export const Public = () => SetMetadata(IS_PUBLIC_KEY, true);

/** The least role a route needs; roles nest (admin ⊃ curator ⊃ user). Method-level wins over class-level. */
export const Roles = (role: Role) => SetMetadata(REQUIRED_ROLE_KEY, role);

/** The authenticated user of the request (set by the JWT strategy). */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): AuthUser => {
  const request = context.switchToHttp().getRequest<Request>();
  return request.user as AuthUser;
});

export const MACHINE_TOKEN_KEY = 'atelier:machineToken';
/** The machines that may present a bearer token of their own from the configuration (no user, no session). */
export type MachineTokenName = 'metrics';

/**
 * Also admits a machine (e.g. a Prometheus scraper) that sends `Authorization: Bearer <the configured token>`;
 * everyone else still needs a session and the route's @Roles().
 */
export const MachineToken = (name: MachineTokenName) => SetMetadata(MACHINE_TOKEN_KEY, name);

export const REQUIRED_SCOPES_KEY = 'atelier:requiredScopes';
/** The OpenAPI security scheme names of API keys (registered in http/openapi.ts). */
export const apiKeySecuritySchemes = ['api_key', 'x_api_key'] as const;

/**
 * Admits API keys carrying every one of these scopes (besides sessions, which scopes do not limit).
 * A route without @Scopes refuses keys: default deny, so a new route is session-only until marked.
 * The route's @Roles still applies to the key's owner. Method-level wins over class-level.
 */
export const Scopes = (...scopes: ApiScope[]) =>
  applyDecorators(
    SetMetadata(REQUIRED_SCOPES_KEY, scopes),
    ...apiKeySecuritySchemes.map((scheme) => ApiSecurity(scheme, scopes)),
  );
