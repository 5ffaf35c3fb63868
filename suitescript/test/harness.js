// Runs suitescript/ml_connector_push.js under Node, for the connector's tests: the N/ modules it requires, as far
// as it uses them, on Node's own crypto. `https.post` records each request instead of sending it (the test sends
// it to the receiver); mode "unreachable" makes it throw as a timed-out connection would.
// Usage: node harness.js <script> <secret> [reachable|unreachable]; prints {"requests": [...], "logs": [...]}.
const nodeCrypto = require('crypto');
const [script, secretValue, mode] = process.argv.slice(2);
const requests = [], logs = [];
const Encoding = { UTF_8: 'UTF_8', HEX: 'HEX' };
const modules = {
  'N/encode': { Encoding },
  'N/crypto': {
    HashAlg: { SHA256: 'SHA256' },
    createSecretKey: ({ secret, encoding }) => ({ secret, encoding }),
    createHmac: ({ algorithm, key }) => {
      if (algorithm !== 'SHA256' || key.encoding !== Encoding.UTF_8 || key.secret !== 'custsecret_ml_push') {
        throw new Error('unexpected key or algorithm');
      }
      const hmac = nodeCrypto.createHmac('sha256', Buffer.from(secretValue, 'utf8'));
      return {
        update: ({ input, inputEncoding }) => hmac.update(Buffer.from(input, 'utf8')),
        digest: ({ outputEncoding }) => hmac.digest('hex').toUpperCase(),
      };
    },
  },
  'N/crypto/random': { generateUUID: () => nodeCrypto.randomUUID() },
  'N/https': {
    post: (options) => {
      if (mode === 'unreachable') { throw { name: 'SSS_CONNECTION_TIME_OUT', message: 'timed out' }; }
      requests.push(options);
      return { code: 202, body: '{}' };
    },
  },
  'N/log': { error: (entry) => logs.push(['error', entry]), debug: (entry) => logs.push(['debug', entry]) },
  'N/runtime': {
    accountId: '1234567_SB1',
    getCurrentScript: () => ({
      getParameter: ({ name }) => ({
        custscript_ml_connector_push_url: 'https://connector.example.com/netsuite/changes',
        custscript_ml_connector_push_secret: 'custsecret_ml_push',
      })[name],
    }),
  },
};
let entryPoints;
global.define = (names, factory) => { entryPoints = factory(...names.map((name) => modules[name])); };
require(script);
entryPoints.afterSubmit({ type: 'edit', newRecord: { type: 'vendorbill', id: 4711 }, oldRecord: null });
entryPoints.afterSubmit({ type: 'delete', newRecord: null, oldRecord: { type: 'vendor', id: 12 } });
console.log(JSON.stringify({ requests, logs }));
