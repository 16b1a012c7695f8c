// Tests run on the machine's Node 20; the deployed runtime is nodejs22.x.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.AWS_REGION = process.env.AWS_REGION || 'us-east-1';
process.env.POWERTOOLS_LOG_LEVEL = process.env.POWERTOOLS_LOG_LEVEL || 'SILENT';
