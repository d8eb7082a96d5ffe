// The test people of the e-legitimation provider (provider.js) and the tests: the login id
// at the provider is the personal identity number (12 digits). The numbers are valid
// (Luhn) but belong to no one: Skatteverket's example number and made-up ones.

/** The Swedish OIDC profile's scope and claims (https://id.oidc.se). */
export const SCOPE = 'https://id.oidc.se/scope/naturalPersonNumber';
export const PIN_CLAIM = 'https://id.oidc.se/claim/personalIdentityNumber';
export const COORDINATION_CLAIM = 'https://id.oidc.se/claim/coordinationNumber';
/** The assurance level the provider vouches with (the `acr` claim). */
export const LOA3 = 'http://id.elegnamnden.se/loa/1.0/loa3';

export const PEOPLE = {
  tolvan: { pin: '191212121212', given: 'Tolvan', family: 'Tolvansson', masked: '19121212-****' },
  anna: { pin: '198001011231', given: 'Anna', family: 'Andersson', masked: '19800101-****' },
  bertil: { pin: '200809142383', given: 'Bertil', family: 'Berg', masked: '20080914-****' },
  // signing.test.js's own.
  signe: { pin: '199001011239', given: 'Signe', family: 'Svensson', masked: '19900101-****' },
  // A coordination number (day + 60), sent in its own claim.
  cecilia: {
    pin: '198001611238',
    given: 'Cecilia',
    family: 'Carlsson',
    masked: '19800161-****',
    coordination: true,
  },
};

/** The person with that login id (personal identity number), if any. */
export function byPin(pin) {
  return Object.values(PEOPLE).find((p) => p.pin === pin);
}
