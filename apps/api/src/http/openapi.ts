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
          `the httpOnly \`${accessCookieName}\` cookie set by POST /api/auth/login.`,
      )
      .setVersion(config.version)
      .addBearerAuth()
      .addCookieAuth(accessCookieName)
      .build(),
  );
  SwaggerModule.setup(openApiPath, app, document, { jsonDocumentUrl: openApiJsonPath, raw: ['json'] });
}
