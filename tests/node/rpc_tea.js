'use strict';
// The Tea (Darabonba) Node SDKs @alicloud/ram20150501 and @alicloud/ims20190815 on
// @alicloud/openapi-core: the default V3 signature (ACS3-HMAC-SHA256) and signatureAlgorithm
// 'v2' (HMAC-SHA1). An error answer rejects with a ClientError carrying code, statusCode and
// data (the body).
//
// args: port, ak, secret, accountId, users (one name per signature: [v3, v2]).
const { $OpenApiUtil } = require('@alicloud/openapi-core');
const Ram = require('@alicloud/ram20150501');
const Ims = require('@alicloud/ims20190815');
const { args, step, main } = require('./lib');

const config = (v2, secret = args.secret) =>
  new $OpenApiUtil.Config({
    accessKeyId: args.ak, accessKeySecret: secret, endpoint: `127.0.0.1:${args.port}`, protocol: 'http',
    readTimeout: 15000, connectTimeout: 5000, ...(v2 ? { signatureAlgorithm: 'v2' } : {}),
  });
const body = (resp) => ({ statusCode: resp.statusCode, body: resp.body.toMap() });

async function run(v2, u) {
  const ram = new Ram.default(config(v2));
  const ims = new Ims.default(config(v2));
  const upn = `${u}@${args.accountId}.onaliyun.com`;
  const out = {};
  out.createUser = await step(async () => body(await ram.createUser(new Ram.CreateUserRequest({ userName: u, displayName: 'Tea one', comments: 'ünïcode & =' }))));
  out.createUser2 = await step(async () => body(await ram.createUser(new Ram.CreateUserRequest({ userName: `${u}-b` }))));
  out.getUser = await step(async () => body(await ram.getUser(new Ram.GetUserRequest({ userName: u }))));
  out.page1 = await step(async () => body(await ram.listUsers(new Ram.ListUsersRequest({ maxItems: 1 }))));
  const marker = out.page1.ok ? out.page1.ok.body.Marker : undefined;
  out.page2 = await step(async () => body(await ram.listUsers(new Ram.ListUsersRequest({ maxItems: 1, marker }))));
  out.getMissingUser = await step(() => ram.getUser(new Ram.GetUserRequest({ userName: `${u}-none` })));
  out.badSecret = await step(() => new Ram.default(config(v2, args.secret + 'x')).getUser(new Ram.GetUserRequest({ userName: u })));
  out.tag = await step(async () => body(await ims.tagResources(new Ims.TagResourcesRequest({
    resourceType: 'user', resourcePrincipalName: [upn],
    tag: [new Ims.TagResourcesRequestTag({ key: 'env', value: 'dev' }), new Ims.TagResourcesRequestTag({ key: 'team', value: 'core' })],
  }))));
  out.untag = await step(async () => body(await ims.untagResources(new Ims.UntagResourcesRequest({ resourceType: 'user', resourcePrincipalName: [upn], tagKey: ['team'] }))));
  out.listTags = await step(async () => body(await ims.listTagResources(new Ims.ListTagResourcesRequest({ resourceType: 'user', resourcePrincipalName: [upn] }))));
  out.imsUser = await step(async () => body(await ims.getUser(new Ims.GetUserRequest({ userPrincipalName: upn }))));
  return out;
}

main(async () => ({ v3: await run(false, args.users[0]), v2: await run(true, args.users[1]) }));
