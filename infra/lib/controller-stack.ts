// Where the controller runs: ECS Fargate tasks built from the project's Dockerfile behind an
// HTTPS load balancer, on RDS PostgreSQL or Aurora Serverless v2 (`service`), or one task on
// SQLite on EFS (`singleNode`); secrets in Secrets Manager, logs in CloudWatch Logs, alarms
// on the controller's own health from the log lines it writes.
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { HEALTH_LOG } from '../../src/controller/health-log.js';
import { AlarmTopic } from './alarm-topic.js';
import type { StatementJson } from './controller-permissions.js';
import { addFailSafeRole, type FailSafeRoleProps } from './fail-safe-role.js';
import type { LoadedDeployment } from './deploy-settings.js';

/** The task role's name: fixed, so the organization stack can trust it and CloudTrail
 *  filters can tell the controller's changes from anyone else's. */
export const CONTROLLER_TASK_ROLE_NAME = 'jit-access-controller';
export const CONTAINER_PORT = 8400;
/** The metric namespace of the controller's health metrics. */
export const METRIC_NAMESPACE = 'JitAccess';

export interface ControllerStackProps extends StackProps {
  readonly deployment: LoadedDeployment;
  /** The directory holding the Dockerfile (the repository root). */
  readonly imageDirectory: string;
  /** The task role's statements: all of the controller's, or only AssumeRole when the
   *  config names a cross-account role. */
  readonly taskStatements: readonly StatementJson[];
  /** The fail-safe's scheduler role, when the task role itself creates the schedules. */
  readonly failSafeRole?: FailSafeRoleProps;
}

export class ControllerStack extends Stack {
  readonly taskRole: iam.Role;
  readonly service: ecs.FargateService;
  readonly logGroup: logs.LogGroup;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly failSafeRole?: iam.Role;
  readonly #zones: string[];

  constructor(scope: Construct, id: string, props: ControllerStackProps) {
    super(scope, id, props);
    const zones = props.deployment.settings.controller.availabilityZones;
    this.#zones = zones ?? [
      `${props.deployment.settings.controller.region}a`,
      `${props.deployment.settings.controller.region}b`,
    ];
    const { settings, config, configDocument } = props.deployment;
    const s = settings.controller;
    const single = s.variant === 'singleNode';
    const alarmTopic = new AlarmTopic(
      this,
      'Alarms',
      s.alarmEmail === undefined ? {} : { email: s.alarmEmail },
    );

    // Network: the load balancer in public subnets, tasks in private ones (out through NAT to
    // AWS APIs and Microsoft Graph), the database in isolated ones.
    const vpc = new ec2.Vpc(this, 'Vpc', {
      availabilityZones: this.availabilityZones,
      natGateways: 1,
      subnetConfiguration: [
        {
          name: 'public',
          subnetType: ec2.SubnetType.PUBLIC,
          cidrMask: 24,
          mapPublicIpOnLaunch: false,
        },
        { name: 'tasks', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
        { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      flowLogs: {
        all: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(
            new logs.LogGroup(this, 'FlowLogs', {
              retention: logs.RetentionDays.ONE_YEAR,
              removalPolicy: RemovalPolicy.DESTROY,
            }),
          ),
          trafficType: ec2.FlowLogTrafficType.REJECT,
        },
      },
    });

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: retentionDays(s.logRetentionDays),
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.taskRole = new iam.Role(this, 'TaskRole', {
      roleName: CONTROLLER_TASK_ROLE_NAME,
      description: 'JIT Access controller: exactly the AWS calls the product sends (derived)',
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com', {
        conditions: {
          ArnLike: {
            'aws:SourceArn': `arn:${this.partition}:ecs:${this.region}:${this.account}:*`,
          },
        },
      }),
      inlinePolicies: {
        controller: iam.PolicyDocument.fromJson({
          Version: '2012-10-17',
          Statement: props.taskStatements,
        }),
      },
    });
    if (props.failSafeRole) this.failSafeRole = addFailSafeRole(this, props.failSafeRole);

    const cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    const task = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: s.cpu,
      memoryLimitMiB: s.memoryMiB,
      taskRole: this.taskRole,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });

    const sessionSecret = new secretsmanager.Secret(this, 'SessionSecret', {
      description: 'JIT Access: signs session cookies (JIT_SESSION_SECRET)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    const secrets: Record<string, ecs.Secret> = {
      JIT_SESSION_SECRET: ecs.Secret.fromSecretsManager(sessionSecret),
    };
    // The client secrets the config names by variable: created empty-ish (random), filled
    // in by the operator after the first deploy (docs/deploy.md).
    for (const name of secretVariables(props.deployment)) {
      const secret = new secretsmanager.Secret(this, `Secret${name}`, {
        description: `JIT Access: ${name}; put the real value with aws secretsmanager put-secret-value`,
      });
      secrets[name] = ecs.Secret.fromSecretsManager(secret);
      new CfnOutput(this, `SecretArn${name.replace(/[^A-Za-z0-9]/g, '')}`, {
        value: secret.secretArn,
        description: `Put ${name} here`,
      });
    }

    const environment: Record<string, string> = {
      // No secret is in the config (the loader refuses inline ones), so it travels as is.
      JIT_CONFIG_DOCUMENT: configDocument,
      NODE_ENV: 'production',
    };

    const serviceSecurityGroup = new ec2.SecurityGroup(this, 'ServiceSecurityGroup', {
      vpc,
      description: 'JIT Access tasks',
      allowAllOutbound: true,
    });

    let database: { readonly connections: ec2.Connections } | undefined;
    if (!single) {
      const made = this.#database(vpc, s.database);
      database = made.database;
      environment['DATABASE_URL'] = made.url;
      secrets['PGPASSWORD'] = ecs.Secret.fromSecretsManager(made.secret, 'password');
    }

    const container = task.addContainer('controller', {
      image: ecs.ContainerImage.fromAsset(props.imageDirectory, { platform: Platform.LINUX_AMD64 }),
      command: [
        'serve',
        '--config',
        'env:JIT_CONFIG_DOCUMENT',
        '--host',
        '0.0.0.0',
        '--port',
        String(CONTAINER_PORT),
      ],
      environment,
      secrets,
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'jit' }),
      portMappings: [{ containerPort: CONTAINER_PORT }],
      memoryLimitMiB: s.memoryMiB,
      readonlyRootFilesystem: true,
      user: '1000:1000',
      healthCheck: {
        command: [
          'CMD',
          'node',
          '-e',
          `fetch('http://127.0.0.1:${CONTAINER_PORT}/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
        ],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        startPeriod: Duration.seconds(60),
        retries: 3,
      },
    });
    // The state directory (the Dockerfile's WORKDIR): task storage, or EFS for SQLite.
    if (single) {
      const fileSystem = new efs.FileSystem(this, 'State', {
        vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        encrypted: true,
        enableAutomaticBackups: true,
        removalPolicy: RemovalPolicy.RETAIN,
        performanceMode: efs.PerformanceMode.GENERAL_PURPOSE,
      });
      const accessPoint = fileSystem.addAccessPoint('StateAccessPoint', {
        path: '/jit',
        createAcl: { ownerUid: '1000', ownerGid: '1000', permissions: '750' },
        posixUser: { uid: '1000', gid: '1000' },
      });
      task.addVolume({
        name: 'state',
        efsVolumeConfiguration: {
          fileSystemId: fileSystem.fileSystemId,
          transitEncryption: 'ENABLED',
          authorizationConfig: { accessPointId: accessPoint.accessPointId, iam: 'ENABLED' },
        },
      });
      fileSystem.connections.allowDefaultPortFrom(serviceSecurityGroup);
      fileSystem.grantReadWrite(this.taskRole);
    } else {
      task.addVolume({ name: 'state' });
    }
    container.addMountPoints({
      containerPath: '/var/lib/jit',
      sourceVolume: 'state',
      readOnly: false,
    });

    this.service = new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition: task,
      // SQLite has one writer: never two tasks, even during a deployment.
      desiredCount: single ? 1 : s.tasks,
      minHealthyPercent: single ? 0 : 50,
      maxHealthyPercent: single ? 100 : 200,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [serviceSecurityGroup],
      circuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriod: Duration.seconds(120),
    });
    if (database) database.connections.allowDefaultPortFrom(serviceSecurityGroup);

    // The load balancer: HTTPS only, access logs to S3.
    const accessLogs = new s3.Bucket(this, 'LoadBalancerLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        { expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const lbSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc,
      description: 'JIT Access load balancer: HTTPS from the allowed networks',
      allowAllOutbound: false,
    });
    for (const cidr of s.allowedCidrs) {
      lbSecurityGroup.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), `HTTPS from ${cidr}`);
    }
    const loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: true,
      securityGroup: lbSecurityGroup,
      dropInvalidHeaderFields: true,
      deletionProtection: true,
    });
    loadBalancer.logAccessLogs(accessLogs, 'alb');
    const listener = loadBalancer.addListener('Https', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [elbv2.ListenerCertificate.fromArn(s.certificateArn)],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      open: false,
    });
    const targets = listener.addTargets('Controller', {
      port: CONTAINER_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [this.service],
      healthCheck: { path: '/healthz', healthyHttpCodes: '200', interval: Duration.seconds(15) },
      deregistrationDelay: Duration.seconds(30),
    });
    serviceSecurityGroup.connections.allowFrom(
      lbSecurityGroup,
      ec2.Port.tcp(CONTAINER_PORT),
      'from the load balancer',
    );

    this.#healthAlarms(
      alarmTopic,
      config.server.controller.sweepInterval,
      s.noLeaderPassMinutes,
      targets,
      single,
    );

    new CfnOutput(this, 'LoadBalancerDnsName', {
      value: loadBalancer.loadBalancerDnsName,
      description: 'Point the DNS name of server.publicUrl here (a CNAME or alias record)',
    });
    new CfnOutput(this, 'LogGroupName', { value: this.logGroup.logGroupName });
    new CfnOutput(this, 'AlarmTopicArn', { value: alarmTopic.topic.topicArn });
  }

  /** The zones from the settings: the synth never looks them up in the account. */
  override get availabilityZones(): string[] {
    return this.#zones;
  }

  #database(
    vpc: ec2.Vpc,
    settings: LoadedDeployment['settings']['controller']['database'],
  ): { database: { connections: ec2.Connections }; secret: secretsmanager.ISecret; url: string } {
    const credentials = rds.Credentials.fromGeneratedSecret('jit', {
      excludeCharacters: ' %+~`#$&*()|[]{}:;<>?!\'/@"\\',
    });
    const vpcSubnets = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    const common = {
      vpc,
      vpcSubnets,
      credentials,
      storageEncrypted: true,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      cloudwatchLogsExports: ['postgresql'],
      monitoringInterval: Duration.seconds(60),
    };
    // TLS only, whichever engine.
    const tlsOnly = (engine: rds.IEngine): rds.ParameterGroup =>
      new rds.ParameterGroup(this, 'DatabaseParameters', {
        engine,
        parameters: { 'rds.force_ssl': '1' },
      });
    // The password travels apart, as PGPASSWORD.
    const made = (
      database: { connections: ec2.Connections },
      secret: secretsmanager.ISecret | undefined,
      host: string,
      port: string,
    ) => {
      if (secret === undefined) throw new Error('the database has no generated secret');
      return { database, secret, url: `postgres://jit@${host}:${port}/jit?sslmode=no-verify` };
    };
    if (settings.engine === 'postgres') {
      const engine = rds.DatabaseInstanceEngine.postgres({
        version: rds.PostgresEngineVersion.VER_17,
      });
      const instance = new rds.DatabaseInstance(this, 'Database', {
        ...common,
        engine,
        databaseName: 'jit',
        instanceType: new ec2.InstanceType(settings.instanceClass),
        multiAz: settings.multiAz,
        allocatedStorage: settings.allocatedStorageGb,
        backupRetention: Duration.days(14),
        autoMinorVersionUpgrade: true,
        parameterGroup: tlsOnly(engine),
      });
      return made(
        instance,
        instance.secret,
        instance.dbInstanceEndpointAddress,
        instance.dbInstanceEndpointPort,
      );
    }
    const engine = rds.DatabaseClusterEngine.auroraPostgres({
      version: rds.AuroraPostgresEngineVersion.VER_17_7,
    });
    const cluster = new rds.DatabaseCluster(this, 'Database', {
      ...common,
      engine,
      defaultDatabaseName: 'jit',
      serverlessV2MinCapacity: settings.minCapacity,
      serverlessV2MaxCapacity: settings.maxCapacity,
      writer: rds.ClusterInstance.serverlessV2('writer'),
      readers: settings.reader
        ? [rds.ClusterInstance.serverlessV2('reader', { scaleWithWriter: true })]
        : [],
      backup: { retention: Duration.days(14) },
      parameterGroup: tlsOnly(engine),
    });
    return made(
      cluster,
      cluster.secret,
      cluster.clusterEndpoint.hostname,
      String(cluster.clusterEndpoint.port),
    );
  }

  /** Alarms from the controller's log lines (src/controller/health-log.ts) and the targets. */
  #healthAlarms(
    topic: AlarmTopic,
    sweepIntervalMs: number,
    noLeaderPassMinutes: number | undefined,
    targets: elbv2.ApplicationTargetGroup,
    single: boolean,
  ): void {
    const metric = (
      id: string,
      name: string,
      pattern: logs.IFilterPattern,
      value = '1',
    ): cloudwatch.Metric => {
      new logs.MetricFilter(this, id, {
        logGroup: this.logGroup,
        filterPattern: pattern,
        metricNamespace: METRIC_NAMESPACE,
        metricName: name,
        metricValue: value,
      });
      return new cloudwatch.Metric({
        namespace: METRIC_NAMESPACE,
        metricName: name,
        statistic: 'Sum',
      });
    };
    const minutes = noLeaderPassMinutes ?? Math.max(5, Math.ceil((2 * sweepIntervalMs) / 60_000));
    const passes = metric(
      'HeartbeatFilter',
      'LeaderPasses',
      logs.FilterPattern.stringValue('$.msg', '=', HEALTH_LOG.heartbeat),
      '$.passes',
    );
    this.#alarm(topic, 'NoLeaderPass', {
      metric: passes.with({ period: Duration.minutes(minutes) }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      alarmDescription: `No controller pass for ${minutes} minutes: no task leads, or the leader is stuck. Access does not end while this lasts.`,
    });
    metric(
      'RevokeFailedFilter',
      'RemovalFailures',
      logs.FilterPattern.all(
        logs.FilterPattern.stringValue('$.msg', '=', HEALTH_LOG.targetActionFailed),
        logs.FilterPattern.stringValue('$.action', '=', 'revoke'),
      ),
    );
    const removals = metric(
      'RevocationFailedFilter',
      'RemovalFailures',
      logs.FilterPattern.stringValue('$.msg', '=', HEALTH_LOG.revocationFailed),
    );
    this.#alarm(topic, 'RemovalFailing', {
      metric: removals.with({ period: Duration.minutes(5) }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription:
        'Removing access or denying its sessions failed (retried); see the controller log.',
    });
    const failed = metric(
      'PassFailedFilter',
      'FailedPasses',
      logs.FilterPattern.stringValue('$.msg', '=', HEALTH_LOG.passFailed),
    );
    this.#alarm(topic, 'PassesFailing', {
      metric: failed.with({ period: Duration.minutes(5) }),
      threshold: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: 'Whole controller passes fail (the database unreachable?).',
    });
    this.#alarm(topic, 'NoHealthyTask', {
      metric: targets.metrics.healthyHostCount({
        period: Duration.minutes(1),
        statistic: 'Minimum',
      }),
      threshold: 1,
      // A single-node deployment stops the old task before the new one is healthy.
      evaluationPeriods: single ? 10 : 3,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      alarmDescription: 'No healthy controller task behind the load balancer.',
    });
  }

  #alarm(
    topic: AlarmTopic,
    id: string,
    props: Omit<cloudwatch.AlarmProps, 'evaluationPeriods'> & { evaluationPeriods?: number },
  ): void {
    const alarm = new cloudwatch.Alarm(this, id, { evaluationPeriods: 1, ...props });
    alarm.addAlarmAction(new actions.SnsAction(topic.topic));
    this.alarms.push(alarm);
  }
}

/** CloudWatch Logs' retention for a number of days (the settings allow only its values). */
function retentionDays(days: number): logs.RetentionDays {
  const found = (Object.values(logs.RetentionDays) as unknown[]).find(
    (value): value is logs.RetentionDays => value === days,
  );
  if (found === undefined) throw new Error(`CloudWatch Logs cannot keep logs ${days} days`);
  return found;
}

/** The environment variables the config names for client secrets. */
export function secretVariables(deployment: LoadedDeployment): string[] {
  const names = new Set<string>();
  const entra = deployment.config.entra?.credential;
  if (entra?.kind === 'secret') names.add(entra.env);
  const oidc = deployment.config.auth.oidc;
  if (oidc?.clientSecretEnv !== undefined) names.add(oidc.clientSecretEnv);
  return [...names].sort();
}
