// The in-process SQS event source lives with the Lambda now (local mode uses it too).
export * from '../../lambda/local-event-source';
