// Reads secrets from idplane through Infisical's Node SDK, unchanged, for
// infisical_node_sdk_test.go: logs in with universal auth or AWS IAM auth
// (the SDK signs with the AWS credentials of its environment), then lists
// and retrieves what the plan on stdin names, and writes on stdout, as
// JSON, what the SDK returned or the error it threw for each.
//
// stdin: {siteUrl, projectId,
//         login: {method: "universal-auth", clientId, clientSecret}
//             or {method: "aws-iam", identityId},
//         lists: [{environment, secretPath, recursive}],
//         gets:  [{environment, secretPath, secretKey, describe}]}
// (describe: retrieve with viewSecretValue false, keys and metadata only)
// stdout: {lists: [{...list, secrets: [...]} or {...list, error}],
//          gets:  [{...get, secret} or {...get, error}]}
// where error is {name, message} as the SDK threw it. A failed login
// exits 1 with the SDK's error on stderr.
"use strict";

const { InfisicalSDK } = require("@infisical/sdk");

function readStdin() {
  return new Promise((resolve, reject) => {
    let data = "";
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (chunk) => (data += chunk));
    process.stdin.on("end", () => resolve(data));
    process.stdin.on("error", reject);
  });
}

function secretOut(s) {
  return {
    environment: s.environment,
    secretPath: s.secretPath,
    secretKey: s.secretKey,
    secretValue: s.secretValue,
    secretValueHidden: s.secretValueHidden,
    version: s.version,
  };
}

function errorOut(err) {
  return { name: err.name, message: err.message };
}

async function main() {
  const plan = JSON.parse(await readStdin());
  const sdk = new InfisicalSDK({ siteUrl: plan.siteUrl });
  const login = plan.login;
  try {
    if (login.method === "universal-auth") {
      await sdk.auth().universalAuth.login({ clientId: login.clientId, clientSecret: login.clientSecret });
    } else if (login.method === "aws-iam") {
      await sdk.auth().awsIamAuth.login({ identityId: login.identityId });
    } else {
      throw new Error(`unknown login method ${JSON.stringify(login.method)}`);
    }
  } catch (err) {
    process.stderr.write(`${login.method} login: ${err.name}: ${err.message}\n`);
    process.exit(1);
  }
  const out = { lists: [], gets: [] };
  for (const l of plan.lists) {
    try {
      const res = await sdk.secrets().listSecrets({
        projectId: plan.projectId,
        environment: l.environment,
        secretPath: l.secretPath,
        recursive: l.recursive,
      });
      out.lists.push({ ...l, secrets: res.secrets.map(secretOut) });
    } catch (err) {
      out.lists.push({ ...l, error: errorOut(err) });
    }
  }
  for (const g of plan.gets) {
    try {
      const s = await sdk.secrets().getSecret({
        projectId: plan.projectId,
        environment: g.environment,
        secretPath: g.secretPath,
        secretName: g.secretKey,
        viewSecretValue: !g.describe,
      });
      out.gets.push({ ...g, secret: secretOut(s) });
    } catch (err) {
      out.gets.push({ ...g, error: errorOut(err) });
    }
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
