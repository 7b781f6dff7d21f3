'use strict';
// @alicloud/log (the Node SLS SDK, v1 HMAC-SHA1): its project and logstore write calls, which
// resolve to the answer's body: '' for an empty 200 (its own integration tests against the real
// service expect exactly that), a parsed object when the answer is application/json.
//
// The SDK builds `http://<project>.<endpoint>`; `<project>.127.0.0.1` resolves nowhere, so each
// call's beforeRequest hook (httpx, the SDK's HTTP layer, passes it to http.request) gives it a
// DNS lookup that answers 127.0.0.1: the request and its Host stay exactly what the SDK made.
//
// args: port, ak, secret, project, phase ("write": create, update, read back; "delete").
const LogClient = require('@alicloud/log');
const { args, step, main } = require('./lib');

function loopback(host, opts, cb) {
  if (typeof opts === 'function') [cb, opts] = [opts, {}];
  if (opts && opts.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
  else cb(null, '127.0.0.1', 4);
}
const o = { beforeRequest: (options) => Object.assign(options, { lookup: loopback }), timeout: 15000 };

const client = (secret) =>
  new LogClient({ accessKeyId: args.ak, accessKeySecret: secret, endpoint: `http://127.0.0.1:${args.port}` });

main(async () => {
  const c = client(args.secret);
  const p = args.project;
  const out = {};
  if (args.phase === 'write') {
    out.createProject = await step(() => c.createProject(p, { description: 'made by @alicloud/log' }, o));
    out.createProjectAgain = await step(() => c.createProject(p, { description: 'again' }, o));
    out.getProject = await step(() => c.getProject(p, o));
    out.createLogStore = await step(() => c.createLogStore(p, 'store1', { ttl: 7, shardCount: 2 }, o));
    out.createLogStore2 = await step(() => c.createLogStore(p, 'store2', { ttl: 1, shardCount: 1 }, o));
    out.updateLogStore = await step(() => c.updateLogStore(p, 'store1', { ttl: 30, shardCount: 2 }, o));
    out.getLogStore = await step(() => c.getLogStore(p, 'store1', o));
    out.deleteLogStore = await step(() => c.deleteLogStore(p, 'store2', o));
    out.getDeletedLogStore = await step(() => c.getLogStore(p, 'store2', o));
    out.listLogStore = await step(() => c.listLogStore(p, {}, o));
    out.badSecret = await step(() => client(args.secret + 'x').getProject(p, o));
  } else {
    out.deleteProject = await step(() => c.deleteProject(p, o));
    out.getDeletedProject = await step(() => c.getProject(p, o));
  }
  return out;
});
