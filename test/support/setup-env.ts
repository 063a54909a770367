import { inject } from 'vitest';

// Runs in each test worker before the test file is imported, so the shared DynamoDB client
// (created at module load) points at the run's DynamoDB Local. The unit tier has none (its files never
// reach storage): a closed local port stands in, so a unit test that does call DynamoDB fails at once
// with ECONNREFUSED instead of waiting on, or reaching, anything else.
process.env.DYNAMODB_ENDPOINT = inject('dynamoEndpoint') ?? 'http://127.0.0.1:9';
process.env.AWS_REGION = 'local';
process.env.AWS_ACCESS_KEY_ID = 'local';
process.env.AWS_SECRET_ACCESS_KEY = 'local';
process.env.TOUCHPOINT_LOG_SILENT = '1';
process.env.TOUCHPOINT_BASE_URL ??= 'https://tp.test';
// Other names of the service, as the stack sets them (CloudFront's and API Gateway's default hosts).
process.env.TOUCHPOINT_SHORT_DOMAIN_ALIASES ??=
  'd111111abcdef8.cloudfront.net,abc123.execute-api.eu-west-1.amazonaws.com';
process.env.TABLE_NAME = `test_${Math.random().toString(36).slice(2, 10)}`;
