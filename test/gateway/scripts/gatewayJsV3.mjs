// Calls AWS through the credproxy gateway with the AWS SDK for JavaScript v3 and nothing but
// the environment. argv: <bucket> <queue>. Prints one JSON object; on error prints
// "<name>: <message>" on stderr and exits 1.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Upload } from '@aws-sdk/lib-storage';

const [bucket, queue] = process.argv.slice(2);
const out = {};
try {
  out.arn = (await new STSClient({}).send(new GetCallerIdentityCommand({}))).Arn;
  const s3 = new S3Client({});
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'small.txt', Body: 'hello gateway' }));
  const small = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'small.txt' }));
  out.small = await small.Body.transformToString();
  const big = randomBytes(50 * 1024 * 1024);
  // A stream of unknown length: the SDK's default upload form for streams.
  const upload = new Upload({
    client: s3,
    params: {
      Bucket: bucket,
      Key: 'big.bin',
      Body: Readable.from([big.subarray(0, 25 << 20), big.subarray(25 << 20)]),
    },
    partSize: 8 * 1024 * 1024,
  });
  await upload.done();
  const back = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'big.bin' }));
  const bytes = Buffer.from(await back.Body.transformToByteArray());
  out.bigSame = bytes.equals(big);
  out.bigSha256 = createHash('sha256').update(big).digest('hex');
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: 'streamed.bin',
      Body: Readable.from([Buffer.from('streamed body')]),
      ContentLength: 13,
    }),
  );
  const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  out.keys = (list.Contents ?? []).map((o) => o.Key).sort();
  const ddb = new DynamoDBClient({});
  await ddb.send(
    new CreateTableCommand({
      TableName: 'gwjs',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await ddb.send(
    new PutItemCommand({ TableName: 'gwjs', Item: { id: { S: '1' }, v: { S: 'js' } } }),
  );
  out.item = (
    await ddb.send(new GetItemCommand({ TableName: 'gwjs', Key: { id: { S: '1' } } }))
  ).Item.v.S;
  // QueueUrl names the upstream's host; by default JS v3 would send there, around the gateway.
  const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: queue }));
  await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'hi from js' }));
  const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
  out.message = received.Messages?.[0]?.Body ?? null;
} catch (error) {
  process.stderr.write(`${error.name}: ${error.message}\n`);
  process.exit(1);
}
process.stdout.write(`${JSON.stringify(out)}\n`);
