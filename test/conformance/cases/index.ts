/** Every ported case, by LBC source file. */
import type { ConformanceCase } from '../case';
import { ADDON_AND_UNSUPPORTED_CASES } from './addons-and-unsupported';
import { CLASS_LOADER_CASES } from './class-loader';
import { BACKEND_BUILD_CASES, ENHANCED_BACKEND_CASES } from './enhanced-backend';
import { GROUP_CASES } from './groups';
import { LISTENER_RULE_CASES } from './listener-rules';
import { LOAD_BALANCER_CASES } from './load-balancer';
import { MALFORMED_ARN_CASE, MODEL_BUILDER_CASES, TARGET_GROUP_NAMES_CASE } from './model-builder';
import {
  INFINITE_REDIRECT_CASES,
  RULE_AND_CERTIFICATE_CASES,
  SUPERSET_CASES,
} from './rules-and-certificates';
import { SSL_REDIRECT_CASES } from './ssl-redirect';
import { RESOURCE_TAG_CASES, TAG_CASES } from './tags';
import { TARGET_GROUP_CASES } from './target-groups';

export const CASES: ConformanceCase[] = [
  ...MODEL_BUILDER_CASES,
  MALFORMED_ARN_CASE,
  TARGET_GROUP_NAMES_CASE,
  ...SSL_REDIRECT_CASES,
  ...LISTENER_RULE_CASES,
  ...TARGET_GROUP_CASES,
  ...LOAD_BALANCER_CASES,
  ...RULE_AND_CERTIFICATE_CASES,
  ...INFINITE_REDIRECT_CASES,
  ...SUPERSET_CASES,
  ...ENHANCED_BACKEND_CASES,
  ...BACKEND_BUILD_CASES,
  ...GROUP_CASES,
  ...CLASS_LOADER_CASES,
  ...TAG_CASES,
  ...RESOURCE_TAG_CASES,
  ...ADDON_AND_UNSUPPORTED_CASES,
];
