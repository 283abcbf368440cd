import type { Settings } from '../config/settings.js';
import { openApiDocumentText } from './docs-site.js';
import { SIGN_IN_SCHEME, signInFlow } from './sign-in.js';

/**
 * The OpenAPI document this deployment serves at /api/openapi.json: the committed document, with
 * the sign-in flow of this deployment instead of the placeholders (SIGN_IN_PLACEHOLDERS): its
 * issuer's authorization and token endpoints and its API's scope, from the settings. Everything
 * else is the committed file byte for byte in meaning, so a client generated from either has the
 * same types. Built once per process (settings do not change while it runs).
 */
const served = new WeakMap<Settings, string>();

export function servedOpenApiDocument(settings: Settings): string {
  let text = served.get(settings);
  if (text === undefined) {
    const endpoints = settings.signIn.endpoints;
    if (!endpoints) {
      text = openApiDocumentText();
    } else {
      const document = JSON.parse(openApiDocumentText()) as { components: { securitySchemes: Record<string, { flows?: Record<string, unknown> }> } };
      const scheme = document.components.securitySchemes[SIGN_IN_SCHEME];
      if (!scheme?.flows) throw new Error(`The OpenAPI document has no ${SIGN_IN_SCHEME} flows to fill in`);
      scheme.flows.authorizationCode = signInFlow(endpoints, settings.auth.audience);
      text = `${JSON.stringify(document, null, 2)}\n`;
    }
    served.set(settings, text);
  }
  return text;
}
