// A real OpenID provider on the loopback for the e-legitimation tests: the OpenID-certified
// oidc-provider with one confidential client (PKCE required), the Swedish OIDC profile's
// scope and claims, an assurance level (acr), and the package's own development login and
// consent pages, which the browser clicks through. Any password is accepted; the login id
// is the personal identity number of a test person (people.js).
//
//   OIDC_PORT=4010 OIDC_REDIRECT_URI=http://127.0.0.1:8080/logga-in/e-legitimation/svar \
//   OIDC_CLIENT_ID=statsbidrag OIDC_CLIENT_SECRET=… node provider.js
import Provider from 'oidc-provider';

import { COORDINATION_CLAIM, LOA3, PIN_CLAIM, SCOPE, byPin } from './people.js';

const port = Number(process.env.OIDC_PORT || 4010);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.OIDC_CLIENT_ID || 'statsbidrag',
      client_secret: process.env.OIDC_CLIENT_SECRET || 'statsbidrag-test-secret',
      redirect_uris: [process.env.OIDC_REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  pkce: { required: () => true },
  scopes: ['openid', SCOPE],
  claims: {
    // The assurance level goes in every ID token, as Swedish providers send it.
    openid: ['sub', 'acr'],
    [SCOPE]: [PIN_CLAIM, COORDINATION_CLAIM, 'given_name', 'family_name', 'name'],
    acr: null,
    auth_time: null,
  },
  acrValues: [LOA3],
  // The Swedish profile releases the identity in the ID token itself.
  conformIdTokenClaims: false,
  cookies: { keys: ['statsbidrag-oidc-test-cookies'] },
  features: { devInteractions: { enabled: true } },
  async findAccount(_ctx, id) {
    const person = byPin(id);
    if (!person) return undefined;
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          [person.coordination ? COORDINATION_CLAIM : PIN_CLAIM]: person.pin,
          given_name: person.given,
          family_name: person.family,
          name: `${person.given} ${person.family}`,
        };
      },
    };
  },
});

// The development login page says nothing of how the person proved who they were: every
// login here counts as e-legitimation at assurance level 3.
const finished = provider.interactionFinished.bind(provider);
provider.interactionFinished = (req, res, result, options) =>
  finished(req, res, result.login ? { ...result, login: { ...result.login, acr: LOA3 } } : result, options);

provider.listen(port, '127.0.0.1', () => console.log(`oidc-provider ready at ${issuer}`));
