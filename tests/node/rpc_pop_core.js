'use strict';
// @alicloud/pop-core RPCClient (V1 HMAC-SHA1 in the query for GET, in a form body for POST):
// RAM 2015-05-01 users, IMS 2019-08-15 tags (repeat lists flattened by the SDK itself as
// Name.N / Name.N.Key), STS 2015-04-01 AssumeRole and a call with the session's SecurityToken.
// pop-core rejects an answer whose JSON has a `Code` outside {200, OK, Success, ...} with
// err.code = that Code, err.data = the body, the HTTP status only in err.entry.
//
// args: port, ak, secret, accountId, user, role.
const RPCClient = require('@alicloud/pop-core');
const { args, step, main } = require('./lib');

const endpoint = `http://127.0.0.1:${args.port}`;
const client = (apiVersion, creds) =>
  new RPCClient({ endpoint, apiVersion, accessKeyId: creds.ak, accessKeySecret: creds.secret, securityToken: creds.token });
const root = { ak: args.ak, secret: args.secret };
const POST = { method: 'POST', timeout: 15000 };
const GET = { method: 'GET', timeout: 15000 };

main(async () => {
  const ram = client('2015-05-01', root);
  const ims = client('2019-08-15', root);
  const u = args.user;
  const upn = `${u}@${args.accountId}.onaliyun.com`;
  const out = {};
  out.createUser = await step(() => ram.request('CreateUser', { UserName: u, DisplayName: 'pop one' }, POST));
  out.createUserAgain = await step(() => ram.request('CreateUser', { UserName: u }, POST));
  out.updateUser = await step(() => ram.request('UpdateUser', { UserName: u, NewDisplayName: 'pop two', NewComments: 'a b&c=d' }, POST));
  out.getUser = await step(() => ram.request('GetUser', { UserName: u }, GET));
  out.listUsers = await step(() => ram.request('ListUsers', { MaxItems: 100 }, GET));
  out.getMissingUser = await step(() => ram.request('GetUser', { UserName: `${u}-none` }, GET));
  out.badSecret = await step(() => client('2015-05-01', { ak: args.ak, secret: args.secret + 'x' }).request('GetUser', { UserName: u }, POST));
  out.badAction = await step(() => ram.request('NoSuchAction', {}, POST));

  out.tag = await step(() => ims.request('TagResources', {
    ResourceType: 'user', ResourcePrincipalName: [upn], Tag: [{ Key: 'env', Value: 'dev' }, { Key: 'team', Value: 'core' }],
  }, POST));
  out.listTags = await step(() => ims.request('ListTagResources', { ResourceType: 'user', ResourcePrincipalName: [upn] }, GET));
  out.untag = await step(() => ims.request('UntagResources', { ResourceType: 'user', ResourcePrincipalName: [upn], TagKey: ['env'] }, POST));
  out.listTagsAfter = await step(() => ims.request('ListTagResources', { ResourceType: 'user', ResourcePrincipalName: [upn] }, POST));
  out.badTag = await step(() => ims.request('TagResources', {
    ResourceType: 'user', ResourcePrincipalName: [upn], Tag: [{ Key: 'aliyun-reserved', Value: 'x' }],
  }, POST));

  // AssumeRole as a RAM user allowed by AliyunSTSAssumeRoleAccess, on a role trusting the account.
  const trust = JSON.stringify({
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${args.accountId}:root`] } }],
  });
  out.createRole = await step(() => ram.request('CreateRole', { RoleName: args.role, AssumeRolePolicyDocument: trust }, POST));
  out.attach = await step(() => ram.request('AttachPolicyToUser', { PolicyType: 'System', PolicyName: 'AliyunSTSAssumeRoleAccess', UserName: u }, POST));
  out.createKey = await step(() => ram.request('CreateAccessKey', { UserName: u }, POST));
  const key = out.createKey.ok ? out.createKey.ok.AccessKey : {};
  const sts = client('2015-04-01', { ak: key.AccessKeyId, secret: key.AccessKeySecret });
  const roleArn = out.createRole.ok ? out.createRole.ok.Role.Arn : 'none';
  out.assumeRole = await step(() => sts.request('AssumeRole', { RoleArn: roleArn, RoleSessionName: 'pop-session', DurationSeconds: 900 }, POST));
  const c = out.assumeRole.ok ? out.assumeRole.ok.Credentials : {};
  const session = { ak: c.AccessKeyId, secret: c.AccessKeySecret, token: c.SecurityToken };
  out.sessionIdentity = await step(() => client('2015-04-01', session).request('GetCallerIdentity', {}, GET));
  // The role has no policy: a RAM call with the session's token is an implicit deny.
  out.sessionDenied = await step(() => client('2015-05-01', session).request('ListUsers', {}, POST));
  return out;
});
