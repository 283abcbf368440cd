import { z } from 'zod';

const answer = (description: string) => z.string({ message: 'must be given once' }).max(4096).optional().meta({ description });

/**
 * What an OAuth 2.0 authorization server appends to the redirect URI (RFC 6749 section 4.1.2, RFC
 * 9207 `iss`, Entra ID's `session_state`): the query of Swagger UI's oauth2-redirect.html, which
 * hands it to the docs page. Declared, so the page can be reached with them and nothing else.
 */
export const signInAnswerQuerySchema = z.strictObject({
  code: answer('The authorization code (sign-in succeeded).'),
  state: answer('The state the docs page sent, echoed back.'),
  error: answer('Why the sign-in failed (sign-in refused).'),
  error_description: answer('The failure in words.'),
  error_uri: answer('A page about the failure.'),
  iss: answer('The issuer that answered (RFC 9207).'),
  session_state: answer("Entra ID's session id."),
});
