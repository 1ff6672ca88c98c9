import { accessCookieName } from '@atelier/contract';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { AppConfig } from '../config/app-config.js';

export const openApiPath = 'api/docs';
export const openApiJsonPath = 'api/docs-json';

/**
 * OpenAPI page at /api/docs (JSON at /api/docs-json). Public on purpose: it describes the API's
 * shape, not its data, and every route it lists still needs a token.
 */
export function setupOpenApi(app: INestApplication, config: AppConfig): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Atelier API')
      .setDescription(
        'Errors are always `{ code, message, details? }`. Send `Authorization: Bearer <access_token>`, or rely on ' +
          `the httpOnly \`${accessCookieName}\` cookie set by POST /api/auth/login. Scripts use an API key ` +
          '(`Authorization: Bearer atl_…` or `X-Api-Key: atl_…`), limited to the routes that list its scopes.',
      )
      .setVersion(config.version)
      .addBearerAuth()
      .addCookieAuth(accessCookieName)
      // API keys (Account → API keys): the same Bearer header, or X-Api-Key; each route lists its scopes.
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An atl_… API key' }, 'api_key')
      .addApiKey(
        { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'An atl_… API key' },
        'x_api_key',
      )
      .build(),
  );
  SwaggerModule.setup(openApiPath, app, document, { jsonDocumentUrl: openApiJsonPath, raw: ['json'] });
}
