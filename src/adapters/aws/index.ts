// The AWS IAM Identity Center adapter: what the composition roots wire.
export {
  IdentityCenterAccessTarget,
  type IdentityCenterAccessTargetOptions,
} from './identity-center-access-target.js';
export {
  createIdentityCenterClients,
  type IdentityCenterClients,
  type IdentityCenterClientsOptions,
} from './create-identity-center-clients.js';
export {
  IdentityCenterRateLimiter,
  type IdentityCenterRateLimiterOptions,
  type IdentityCenterRateLimiterStats,
} from './identity-center-rate-limiter.js';
export { addRateLimitMiddleware, RATE_LIMIT_MIDDLEWARE_NAME } from './rate-limit-middleware.js';
