/**
 * @NApiVersion 2.1
 * @NScriptType UserEventScript
 * @NModuleScope SameAccount
 *
 * ml-connector push: after a vendor, purchase order or vendor bill is saved, tell the connector which record
 * changed, so it polls that record's flow sooner. The notification carries no record data: the connector reads
 * the record through SuiteQL as every scheduled poll does. A notification that is not sent (receiver down, a
 * change no user event sees) costs only latency; the next poll finds the change. Deployment: docs/netsuite-push.md.
 *
 * Request: POST <receiver URL>, body {"id", "recordType", "recordId", "eventType", "accountId"} (JSON),
 * headers X-ML-Timestamp (unix seconds) and X-ML-Signature ("sha256=" + lower-case hex
 * HMAC-SHA256 of "<timestamp>.<body>" keyed with the UTF-8 bytes of the shared secret).
 *
 * APIs as checked in Oracle's NetSuite help center (SuiteScript 2.x reference pages):
 *  - crypto.createSecretKey({secret, encoding}): `secret` is the script ID of an API secret (Setup > Company >
 *    API Secrets); `encoding` is an encode.Encoding value for the secret's clear text.
 *  - crypto.createHmac({algorithm: crypto.HashAlg.SHA256, key}); Hmac.update({input, inputEncoding}) (default
 *    UTF_8); Hmac.digest({outputEncoding}) (default HEX) returns a string.
 *  - random.generateUUID() (N/crypto/random, SuiteScript 2.1 server scripts, since 2023.1).
 *  - https.post({url, body, headers}) returns a ClientResponse with `code` and `body`; 10 governance units;
 *    a connection that takes over 5 s, or a send over 45 s, times out.
 *  - runtime.getCurrentScript().getParameter({name}); runtime.accountId.
 *  - afterSubmit(context): context.type (context.UserEventType: create, edit, xedit, delete, ...),
 *    context.newRecord / context.oldRecord with .type and .id.
 * Not verified (no live account): that the UTF_8 key encoding keys the HMAC with the secret's UTF-8 bytes, and
 * the letter case of the HEX digest (the receiver accepts either case). Test the deployment with one save.
 */
define(['N/crypto', 'N/crypto/random', 'N/encode', 'N/https', 'N/log', 'N/runtime'], (
    crypto,
    random,
    encode,
    https,
    log,
    runtime,
) => {
    // Script parameters (Parameters subtab of the script record); ids as in docs/netsuite-push.md.
    const URL_PARAMETER = 'custscript_ml_connector_push_url';
    const SECRET_PARAMETER = 'custscript_ml_connector_push_secret';

    /** Never throws: a failed notification must not fail the user's save, and polling catches the change. */
    const afterSubmit = (context) => {
        try {
            send(context);
        } catch (error) {
            log.error({ title: 'ml-connector push not sent', details: describe(error) });
        }
    };

    const send = (context) => {
        const script = runtime.getCurrentScript();
        const url = script.getParameter({ name: URL_PARAMETER });
        const secretId = script.getParameter({ name: SECRET_PARAMETER });
        if (!url || !secretId) {
            log.error({
                title: 'ml-connector push not configured',
                details: `set the script parameters ${URL_PARAMETER} and ${SECRET_PARAMETER} on the deployment`,
            });
            return;
        }
        // A deleted record has only its old state.
        const record = context.newRecord || context.oldRecord;
        const body = JSON.stringify({
            id: random.generateUUID(),
            recordType: String(record.type),
            recordId: String(record.id),
            eventType: String(context.type),
            accountId: String(runtime.accountId),
        });
        const timestamp = String(Math.floor(Date.now() / 1000));
        const response = https.post({
            url: url,
            body: body,
            headers: {
                'Content-Type': 'application/json',
                'X-ML-Timestamp': timestamp,
                'X-ML-Signature': `sha256=${sign(secretId, `${timestamp}.${body}`)}`,
            },
        });
        if (response.code !== 202) {
            // The receiver's answer names the reason (signature, clock, size, field); it never holds a secret.
            log.error({ title: `ml-connector push refused with ${response.code}`, details: response.body });
            return;
        }
        log.debug({ title: 'ml-connector push sent', details: body });
    };

    const sign = (secretId, text) => {
        const key = crypto.createSecretKey({ secret: secretId, encoding: encode.Encoding.UTF_8 });
        const hmac = crypto.createHmac({ algorithm: crypto.HashAlg.SHA256, key: key });
        hmac.update({ input: text, inputEncoding: encode.Encoding.UTF_8 });
        return hmac.digest({ outputEncoding: encode.Encoding.HEX }).toLowerCase();
    };

    const describe = (error) => (error && error.name ? `${error.name}: ${error.message}` : String(error));

    return { afterSubmit };
});
