'use strict';
// One end-to-end identity flow through the Tea Node SDKs (@alicloud/ram20150501,
// @alicloud/ims20190815), issue 14: account alias and password policy, a user with a login
// profile and a virtual MFA device bound with two RFC 6238 codes (computed here with node's
// crypto), the security preference, an IMS group, then Terraform's force delete.
//
// args: port, ak, secret, user, alias.
const crypto = require('crypto');
const { $OpenApiUtil } = require('@alicloud/openapi-core');
const Ram = require('@alicloud/ram20150501');
const Ims = require('@alicloud/ims20190815');
const { args, step, main } = require('./lib');

const config = new $OpenApiUtil.Config({
  accessKeyId: args.ak, accessKeySecret: args.secret, endpoint: `127.0.0.1:${args.port}`, protocol: 'http',
  readTimeout: 15000, connectTimeout: 5000,
});
const body = (resp) => resp.body.toMap();

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

function totp(seed, unixSeconds) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const mac = crypto.createHmac('sha1', base32Decode(seed)).update(counter).digest();
  const offset = mac[mac.length - 1] & 15;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1000000;
  return String(code).padStart(6, '0');
}

main(async () => {
  const ram = new Ram.default(config);
  const ims = new Ims.default(config);
  const u = args.user;
  const out = {};
  out.setAlias = await step(async () => body(await ram.setAccountAlias(new Ram.SetAccountAliasRequest({ accountAlias: args.alias }))));
  out.domain = await step(async () => body(await ims.getDefaultDomain()));
  out.policy = await step(async () => body(await ram.setPasswordPolicy(new Ram.SetPasswordPolicyRequest({ minimumPasswordLength: 10, requireNumbers: true }))));
  out.createUser = await step(async () => body(await ram.createUser(new Ram.CreateUserRequest({ userName: u }))));
  out.weakPassword = await step(() => ram.createLoginProfile(new Ram.CreateLoginProfileRequest({ userName: u, password: 'short' })));
  out.loginProfile = await step(async () => body(await ram.createLoginProfile(new Ram.CreateLoginProfileRequest({ userName: u, password: 'Node-Pass-123', MFABindRequired: true }))));
  out.device = await step(async () => body(await ram.createVirtualMFADevice(new Ram.CreateVirtualMFADeviceRequest({ virtualMFADeviceName: `${u}-mfa` }))));
  const dev = out.device.ok ? out.device.ok.VirtualMFADevice : {};
  const now = Date.now() / 1000;
  out.bind = await step(async () => body(await ram.bindMFADevice(new Ram.BindMFADeviceRequest({
    userName: u, serialNumber: dev.SerialNumber, authenticationCode1: totp(dev.Base32StringSeed, now - 30), authenticationCode2: totp(dev.Base32StringSeed, now),
  }))));
  out.mfaInfo = await step(async () => body(await ims.getUserMFAInfo(new Ims.GetUserMFAInfoRequest({ userPrincipalName: `${u}@${args.alias}.onaliyun.com` }))));
  out.preference = await step(async () => body(await ims.setSecurityPreference(new Ims.SetSecurityPreferenceRequest({ loginSessionDuration: 8, allowUserToManageAccessKeys: true }))));
  out.group = await step(async () => body(await ims.createGroup(new Ims.CreateGroupRequest({ groupName: `${u}-g`, displayName: 'Node group' }))));
  out.join = await step(async () => body(await ims.addUserToGroup(new Ims.AddUserToGroupRequest({ groupName: `${u}-g`, userPrincipalName: `${u}@${args.alias}.onaliyun.com` }))));
  out.deleteBlocked = await step(() => ram.deleteUser(new Ram.DeleteUserRequest({ userName: u })));
  // Terraform's force delete
  out.leave = await step(async () => body(await ram.removeUserFromGroup(new Ram.RemoveUserFromGroupRequest({ groupName: `${u}-g`, userName: u }))));
  out.dropProfile = await step(async () => body(await ram.deleteLoginProfile(new Ram.DeleteLoginProfileRequest({ userName: u }))));
  out.unbind = await step(async () => body(await ram.unbindMFADevice(new Ram.UnbindMFADeviceRequest({ userName: u }))));
  out.deleteUser = await step(async () => body(await ram.deleteUser(new Ram.DeleteUserRequest({ userName: u }))));
  out.clearAlias = await step(async () => body(await ram.clearAccountAlias()));
  return out;
});
