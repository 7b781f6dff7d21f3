'use strict';
// An unmodified Node program (tests/sdk/test_unmodified.py): the Tea SDKs with their default
// protocol (https), credentials from the environment's default chain, and nothing but what
// `localyun env` exported. @darabonba/typescript's doAction has no proxy support, so the endpoint
// is localyun's address, given as the first argument; TLS is verified through NODE_EXTRA_CA_CERTS.
const { $OpenApiUtil } = require('@alicloud/openapi-core');
const Credential = require('@alicloud/credentials');
const Ram = require('@alicloud/ram20150501');
const Ims = require('@alicloud/ims20190815');
const [endpoint, name] = process.argv.slice(2);
(async () => {
  const config = () => new $OpenApiUtil.Config({ credential: new Credential.default(), endpoint });
  const ram = new Ram.default(config());
  const ims = new Ims.default(config());
  const user = (await ram.createUser(new Ram.CreateUserRequest({ userName: name }))).body.user;
  const domain = (await ims.getDefaultDomain()).body.defaultDomainName;
  const upn = `${name}@${domain}`;
  await ims.tagResources(new Ims.TagResourcesRequest({ resourceType: 'user', resourcePrincipalName: [upn],
    tag: [new Ims.TagResourcesRequestTag({ key: 'env', value: 'dev' }), new Ims.TagResourcesRequestTag({ key: 'team', value: 'core' })] }));
  await ims.untagResources(new Ims.UntagResourcesRequest({ resourceType: 'user', resourcePrincipalName: [upn], tagKey: ['team'] }));
  const rows = (await ims.listTagResources(new Ims.ListTagResourcesRequest({ resourceType: 'user', resourcePrincipalName: [upn] }))).body.toMap();
  console.log(JSON.stringify({ userId: user.userId, tags: rows.TagResources.TagResource.map(r => [r.ResourceId, r.TagKey, r.TagValue]) }));
})().catch(e => { console.log(JSON.stringify({ error: `${e.code || e.name}: ${e.message}` })); });
