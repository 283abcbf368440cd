import { SETTING } from '../../../shared/config/settings.js';

/** The settings every parse needs (values that parse, nothing real behind them), for the settings tests. */
export const BASE_SETTINGS = {
  [SETTING.cosmosEndpoint]: 'https://cosmos.example/',
  [SETTING.authIssuer]: 'https://issuer.example/',
  [SETTING.authAudience]: 'api://caseload',
  [SETTING.authJwksUri]: 'https://issuer.example/keys',
  [SETTING.cursorKeys]: Buffer.alloc(32, 7).toString('base64'),
};
