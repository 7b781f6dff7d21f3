'use strict';
// aliyun-sdk (the older JavaScript SDK), ALY.SLS 2015-06-01: every SLS call of its api
// definition (apis/sls-2015-06-01.json) that localyun serves, pointed at a real endpoint name.
//
// For a name endpoint its populateURI (lib/services/sls.js) sends `Host: <params.projectName>.<name>`
// and connects to that host on port 80; CreateProject has no `projectName` parameter (only
// projectDetail.projectName), so it sends `Host: undefined.<name>`. The SDK merges httpOptions
// into http.request's options (lib/http/node.js), so host/port there reach localyun while the
// Host header stays the SDK's. (An IP endpoint gets no project into Host at all: its afterBuild
// SET_HTTP_HOST overwrites Host with the bare endpoint.)
//
// args: port, ak, secret, project, endpoint (e.g. http://cn-hangzhou.log.aliyuncs.com).
const ALY = require('aliyun-sdk');
const { args, step, main } = require('./lib');

const client = (secret) =>
  new ALY.SLS({
    accessKeyId: args.ak,
    secretAccessKey: secret,
    endpoint: args.endpoint,
    apiVersion: '2015-06-01',
    maxRetries: 0,
    httpOptions: { timeout: 15000, host: '127.0.0.1', port: args.port },
  });

// The SDK's callbacks give {request_id, headers, body}; keep the body and the request id.
const call = (sls, op, params) =>
  new Promise((resolve, reject) =>
    sls[op](params, (err, data) => (err ? reject(err) : resolve({ body: data.body, requestId: data.request_id }))),
  );

main(async () => {
  const sls = client(args.secret);
  const p = args.project;
  const group = {
    groupName: 'group-1', machineIdentifyType: 'ip', groupAttribute: { groupTopic: 'topic-a' }, machineList: ['10.0.0.1'],
  };
  const out = {};
  out.createProject = await step(() => call(sls, 'createProject', { projectDetail: { projectName: p, description: 'made by aliyun-sdk' } }));
  out.createProjectAgain = await step(() => call(sls, 'createProject', { projectDetail: { projectName: p, description: 'again' } }));
  out.getProject = await step(() => call(sls, 'getProject', { projectName: p }));
  out.listProject = await step(() => call(sls, 'listProject', { projectName: p, offset: 0, size: 10 }));
  out.createLogstore = await step(() => call(sls, 'createLogstore', { projectName: p, logstoreDetail: { logstoreName: 'store1', ttl: 7, shardCount: 2 } }));
  out.updateLogstore = await step(() => call(sls, 'updateLogstore', { projectName: p, logstoreName: 'store1', logstoreDetail: { logstoreName: 'store1', ttl: 30, shardCount: 2 } }));
  out.getLogstore = await step(() => call(sls, 'getLogstore', { projectName: p, LogStoreName: 'store1' }));
  out.createLogstore2 = await step(() => call(sls, 'createLogstore', { projectName: p, logstoreDetail: { logstoreName: 'store2', ttl: 1, shardCount: 1 } }));
  out.deleteLogstore = await step(() => call(sls, 'deleteLogstore', { projectName: p, LogStoreName: 'store2' }));
  out.getDeletedLogstore = await step(() => call(sls, 'getLogstore', { projectName: p, LogStoreName: 'store2' }));
  out.listLogStores = await step(() => call(sls, 'listLogStores', { projectName: p }));
  out.createMachineGroup = await step(() => call(sls, 'createMachineGroup', { projectName: p, machineGroupDetail: group }));
  out.updateMachineGroup = await step(() => call(sls, 'updateMachineGroup', { projectName: p, groupName: 'group-1', machineGroupDetail: { ...group, machineList: ['10.0.0.2', '10.0.0.3'] } }));
  out.getMachineGroup = await step(() => call(sls, 'getMachineGroup', { projectName: p, groupName: 'group-1' }));
  out.listMachineGroup = await step(() => call(sls, 'listMachineGroup', { projectName: p, offset: 0, size: 10 }));
  out.deleteMachineGroup = await step(() => call(sls, 'deleteMachineGroup', { projectName: p, groupName: 'group-1' }));
  out.getMissingProject = await step(() => call(sls, 'getProject', { projectName: `${p}-none` }));
  out.badSecret = await step(() => call(client(args.secret + 'x'), 'getProject', { projectName: p }));
  return out;
});
