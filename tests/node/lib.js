'use strict';
// Shared by the scripts that tests/sdk/test_node_clients.py runs: the run's parameters come as
// JSON in LOCALYUN_NODE_ARGS, and each script prints one JSON object: per step either
// {"ok": <what the SDK resolved to>} or {"error": <what the SDK's rejection carried>}.

const args = JSON.parse(process.env.LOCALYUN_NODE_ARGS || '{}');

function describe(e) {
  return {
    name: e.name,
    code: e.code,
    // @alicloud/log: err.code only; aliyun-sdk: err.code is the HTTP status, err.errorCode the
    // SLS code; pop-core: the status only in err.entry; Tea: err.statusCode.
    errorCode: e.errorCode,
    statusCode: e.statusCode ?? (e.entry && e.entry.response ? e.entry.response.statusCode : undefined),
    message: e.message,
    errorMessage: e.errorMessage,
    requestId: e.requestid ?? e.requestId ?? e.request_id ?? (e.data ? e.data.RequestId : undefined),
    data: e.data,
  };
}

async function step(fn) {
  try {
    const ok = await fn();
    return { ok: ok === undefined ? null : ok };
  } catch (e) {
    return { error: describe(e) };
  }
}

// Runs `fn` (an async function returning the result object) and prints it; a throw outside a
// step is a broken script: its stack goes to stderr and the exit code is 1.
function main(fn) {
  fn().then(
    (out) => process.stdout.write(JSON.stringify(out) + '\n'),
    (e) => {
      process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
      process.exit(1);
    },
  );
}

module.exports = { args, step, main };
