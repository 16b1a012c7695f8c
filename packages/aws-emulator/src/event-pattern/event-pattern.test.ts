import { InvalidEventPatternError, matchesEventPattern, parseEventPattern, type EventPattern } from './index';

/**
 * Each row is an example from the Amazon EventBridge user guide (the section is named in `source`), with the
 * events the guide says match and events that must not. Rows whose source names Event Ruler come from the README of
 * the open-source engine behind EventBridge, for behaviour the guide leaves implicit; rows marked "decision" pin a
 * choice explained in event-pattern.ts.
 */
interface Example {
  readonly name: string;
  readonly source: string;
  readonly pattern: string | object;
  readonly matches: readonly unknown[];
  readonly doesNotMatch: readonly unknown[];
}

const PATTERNS = 'User guide, Amazon EventBridge event patterns';
const SYNTAX = 'User guide, Event pattern syntax: considerations';
const NULLS = 'User guide, Matching null values and empty strings';
const ARRAYS = 'User guide, Arrays / matching on multiple field values';
const OPERATORS = 'User guide, Comparison operators (content filtering)';
const SUMMARY = 'User guide, Comparison operators: summary table';
const RULER = 'Event Ruler README (the EventBridge matching engine)';
const DECISION = 'decision (documented behaviour made precise)';

const ec2Event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
};

const autoScalingEvent = {
  version: '0',
  id: '3e3c153a-8339-4e30-8c35-687ebef853fe',
  'detail-type': 'EC2 Instance Launch Successful',
  source: 'aws.autoscaling',
  account: '123456789012',
  time: '2015-11-11T21:31:47Z',
  region: 'us-east-1',
  resources: [],
  detail: { eventVersion: '', responseElements: null },
};

const macieEvent = {
  version: '0',
  id: '3e355723-fca9-4de3-9fd7-154c289d6b59',
  'detail-type': 'Macie Alert',
  source: 'aws.macie',
  account: '123456789012',
  time: '2017-04-24T22:28:49Z',
  region: 'us-east-1',
  resources: [
    'arn:aws:macie:us-east-1:123456789012:trigger/trigger_id/alert/alert_id',
    'arn:aws:macie:us-east-1:123456789012:trigger/trigger_id',
  ],
  detail: {
    'notification-type': 'ALERT_CREATED',
    name: 'Scanning bucket policies',
    tags: ['Custom_Alert', 'Insider'],
    'risk-score': 80,
    trigger: {
      'rule-arn': 'arn:aws:macie:us-east-1:123456789012:trigger/trigger_id',
      'alert-type': 'basic',
      'created-at': '2017-01-02 19:54:00.644000',
      risk: 8,
    },
    'created-at': '2017-04-18T00:21:12.059000',
  },
};

// The two events of the "Exists matching" section.
const pendingInstanceEvent = {
  version: '0',
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '123456789012',
  time: '2015-11-11T21:29:54Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
  detail: { 'instance-id': 'i-abcd1111', state: 'pending' },
};
const cCountObjectEvent = {
  'detail-type': ['EC2 Instance State-change Notification'],
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
  detail: { 'c-count': { c1: 100 } },
};
// The two events of the earlier "Exists matching" section ({ "exists": false } on detail.c-count).
const stateArrayEvent = {
  'detail-type': ['EC2 Instance State-change Notification'],
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
  detail: { state: ['initializing', 'running'] },
};
const stateArrayAndCCountObjectEvent = {
  ...stateArrayEvent,
  detail: { state: ['initializing', 'running'], 'c-count': { c1: 100 } },
};

const withDetail = (detail: Record<string, unknown>): unknown => ({ ...ec2Event, detail });

const examples: readonly Example[] = [
  // ----- Amazon EventBridge event patterns -----
  {
    name: 'EC2 instance-termination events (source, detail-type and detail.state)',
    source: PATTERNS,
    pattern: {
      source: ['aws.ec2'],
      'detail-type': ['EC2 Instance State-change Notification'],
      detail: { state: ['terminated'] },
    },
    matches: [ec2Event],
    doesNotMatch: [
      withDetail({ state: 'running' }),
      { ...ec2Event, source: 'aws.s3' },
      { ...ec2Event, detail: undefined },
      { source: 'aws.ec2', detail: { state: 'terminated' } }, // no detail-type: every pattern field must be there
    ],
  },
  {
    name: 'values in a field array are alternatives (aws.ec2 or aws.fargate)',
    source: PATTERNS,
    pattern: { source: ['aws.ec2', 'aws.fargate'] },
    matches: [ec2Event, { ...ec2Event, source: 'aws.fargate' }],
    doesNotMatch: [{ ...ec2Event, source: 'aws.s3' }, { ...ec2Event, source: 'AWS.EC2' }, { detail: {} }],
  },
  {
    name: 'field matching on a null value (Auto Scaling responseElements)',
    source: PATTERNS,
    pattern: {
      source: ['aws.autoscaling'],
      'detail-type': ['EC2 Instance Launch Successful'],
      detail: { responseElements: [null] },
    },
    matches: [autoScalingEvent],
    doesNotMatch: [
      { ...autoScalingEvent, detail: { eventVersion: '', responseElements: '' } },
      { ...autoScalingEvent, detail: { eventVersion: '', responseElements: 'null' } },
      { ...autoScalingEvent, detail: { eventVersion: '' } },
      { ...autoScalingEvent, detail: { eventVersion: '', responseElements: {} } },
    ],
  },
  {
    name: 'value matching on nested numbers (Macie risk-score 80, trigger.risk 8)',
    source: PATTERNS,
    pattern: {
      source: ['aws.macie'],
      'detail-type': ['Macie Alert'],
      detail: { 'risk-score': [80], trigger: { risk: [8] } },
    },
    matches: [macieEvent],
    doesNotMatch: [
      { ...macieEvent, detail: { ...macieEvent.detail, 'risk-score': 79 } },
      { ...macieEvent, detail: { ...macieEvent.detail, 'risk-score': '80' } },
      { ...macieEvent, detail: { ...macieEvent.detail, trigger: { risk: 9 } } },
      { ...macieEvent, detail: { ...macieEvent.detail, trigger: 8 } },
    ],
  },

  // ----- Event pattern syntax: considerations -----
  {
    name: 'keys are joined with dots: nested pattern, dotted events',
    source: SYNTAX,
    pattern: { detail: { state: { status: ['running'] } } },
    matches: [{ detail: { state: { status: 'running' } } }, { detail: { 'state.status': 'running' } }],
    doesNotMatch: [{ detail: { state: { status: 'stopped' } } }, { detail: { 'state.status': 'stopped' } }],
  },
  {
    name: 'keys are joined with dots: dotted pattern, both events',
    source: SYNTAX,
    pattern: { detail: { 'state.status': ['running'] } },
    matches: [{ detail: { state: { status: 'running' } } }, { detail: { 'state.status': 'running' } }],
    doesNotMatch: [{ detail: { state: 'running' } }, { detail: { status: 'running' } }],
  },
  {
    name: 'duplicate keys: only the last one counts',
    source: SYNTAX,
    pattern: `{
      "source": ["aws.s3"],
      "source": ["aws.sns"],
      "detail-type": ["AWS API Call via CloudTrail"],
      "detail": { "eventSource": ["s3.amazonaws.com"], "eventSource": ["sns.amazonaws.com"] }
    }`,
    matches: [
      { source: 'aws.sns', 'detail-type': 'AWS API Call via CloudTrail', detail: { eventSource: 'sns.amazonaws.com' } },
      // The guide's second form: detail as an array of objects.
      {
        source: 'aws.sns',
        'detail-type': 'AWS API Call via CloudTrail',
        detail: [{ eventSource: 'sns.amazonaws.com' }],
      },
    ],
    doesNotMatch: [
      { source: 'aws.s3', 'detail-type': 'AWS API Call via CloudTrail', detail: { eventSource: 's3.amazonaws.com' } },
      { source: 'aws.sns', 'detail-type': 'AWS API Call via CloudTrail', detail: { eventSource: 's3.amazonaws.com' } },
    ],
  },
  {
    name: 'strings match exactly, without case folding or normalisation',
    source: SYNTAX,
    pattern: { source: ['aws.ec2'] },
    matches: [{ source: 'aws.ec2' }],
    doesNotMatch: [{ source: 'AWS.EC2' }, { source: ' aws.ec2' }, { source: 'aws.ec2 ' }],
  },
  {
    name: 'numbers: 300, 300.0 and 3.0e2 are one number once parsed, matched numerically',
    source: DECISION,
    pattern: '{ "detail": { "count": [300] } }',
    matches: [JSON.parse('{ "detail": { "count": 300 } }'), JSON.parse('{ "detail": { "count": 3.0e2 } }')],
    doesNotMatch: [{ detail: { count: '300' } }, { detail: { count: 300.5 } }],
  },

  // ----- Null values and empty strings -----
  {
    name: 'an empty string matches only an empty string',
    source: NULLS,
    pattern: { detail: { eventVersion: [''] } },
    matches: [autoScalingEvent],
    doesNotMatch: [{ detail: { eventVersion: null } }, { detail: {} }, { detail: { eventVersion: ' ' } }],
  },
  {
    name: 'null matches only null: not an empty string, not a missing field',
    source: NULLS,
    pattern: { detail: { responseElements: [null] } },
    matches: [autoScalingEvent, { detail: { responseElements: [null, 'x'] } }],
    doesNotMatch: [{ detail: { responseElements: '' } }, { detail: {} }, {}, { detail: { responseElements: [] } }],
  },

  // ----- Arrays -----
  {
    name: 'an array in the event matches when it shares a value with the pattern array',
    source: ARRAYS,
    pattern: {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
      ],
    },
    matches: [
      {
        resources: [
          'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
          'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        ],
      },
    ],
    doesNotMatch: [
      {
        resources: [
          'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
        ],
      },
      { resources: [] },
      // Exact match: EventBridge does not treat ':' and '/' in ARNs as the same character.
      { resources: ['arn:aws:ec2:us-east-1:123456789012:instance:i-b188560f'] },
    ],
  },

  // ----- Comparison operators: sections -----
  {
    name: 'prefix matching',
    source: OPERATORS,
    pattern: { time: [{ prefix: '2017-10-02' }] },
    matches: [{ time: '2017-10-02T18:43:48Z' }, { time: '2017-10-02' }],
    doesNotMatch: [{ time: '2017-10-03T18:43:48Z' }, { time: '2017-10-0' }, { time: 20171002 }, {}],
  },
  {
    name: 'prefix matching while ignoring case',
    source: OPERATORS,
    pattern: { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
    matches: [
      { detail: { service: 'EventBridge' } },
      { detail: { service: 'EVENTBRIDGE' } },
      { detail: { service: 'eventbus' } },
    ],
    doesNotMatch: [{ detail: { service: 'Event' } }, { detail: { service: 'SNS' } }, { detail: { service: 1 } }],
  },
  {
    name: 'suffix matching',
    source: OPERATORS,
    pattern: { FileName: [{ suffix: '.png' }] },
    matches: [{ FileName: 'image.png' }, { FileName: '.png' }],
    doesNotMatch: [{ FileName: 'image.PNG' }, { FileName: 'image.png.zip' }, { FileName: 'image.jpg' }],
  },
  {
    name: 'suffix matching while ignoring case',
    source: OPERATORS,
    pattern: { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
    matches: [{ detail: { FileName: 'a.png' } }, { detail: { FileName: 'a.PNG' } }, { detail: { FileName: 'a.pNg' } }],
    doesNotMatch: [{ detail: { FileName: 'a.jpg' } }, { detail: { FileName: 'png' } }],
  },
  {
    name: 'anything-but a string',
    source: OPERATORS,
    pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } },
    matches: [
      { detail: { state: 'running' } },
      { detail: { state: 'Initializing' } },
      { detail: { state: null } }, // null is a value, and not "initializing"
      { detail: { state: 5 } }, // a string exclusion never excludes a number
      { detail: { state: ['initializing', 'running'] } }, // any element may match
    ],
    doesNotMatch: [
      { detail: { state: 'initializing' } },
      { detail: {} }, // anything-but needs a value: a missing field is not "anything"
      { detail: { state: ['initializing'] } },
      { detail: { state: { name: 'running' } } }, // an object is not a value
    ],
  },
  {
    name: 'anything-but a number',
    source: OPERATORS,
    pattern: { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
    matches: [{ detail: { 'x-limit': 124 } }, { detail: { 'x-limit': '123' } }],
    doesNotMatch: [{ detail: { 'x-limit': 123 } }, { detail: { 'x-limit': 123.0000001 } }, { detail: {} }],
  },
  {
    name: 'anything-but a list of strings',
    source: OPERATORS,
    pattern: { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
    matches: [{ detail: { state: 'running' } }],
    doesNotMatch: [{ detail: { state: 'stopped' } }, { detail: { state: 'overloaded' } }],
  },
  {
    name: 'anything-but a list of numbers',
    source: OPERATORS,
    pattern: { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
    matches: [{ detail: { 'x-limit': 150 } }, { detail: { 'x-limit': 301.8 } }],
    doesNotMatch: [{ detail: { 'x-limit': 100 } }, { detail: { 'x-limit': 200 } }, { detail: { 'x-limit': 300 } }],
  },
  {
    name: 'anything-but a prefix',
    source: OPERATORS,
    pattern: { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    matches: [{ detail: { state: 'running' } }, { detail: { state: 'post-init' } }, { detail: { state: 12 } }],
    doesNotMatch: [{ detail: { state: 'initializing' } }, { detail: { state: 'init' } }, { detail: {} }],
  },
  {
    name: 'anything-but a suffix',
    source: OPERATORS,
    pattern: { detail: { FileName: [{ 'anything-but': { suffix: '.txt' } }] } },
    matches: [{ detail: { FileName: 'notes.png' } }, { detail: { FileName: 'notes.TXT' } }],
    doesNotMatch: [{ detail: { FileName: 'notes.txt' } }],
  },
  {
    name: 'anything-but ignoring case',
    source: OPERATORS,
    pattern: { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] } },
    matches: [{ detail: { state: 'running' } }],
    doesNotMatch: [
      { detail: { state: 'initializing' } },
      { detail: { state: 'INITIALIZING' } },
      { detail: { state: 'Initializing' } },
    ],
  },
  {
    name: 'anything-but ignoring case, with a list',
    source: OPERATORS,
    pattern: { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['initializing', 'stopped'] } }] } },
    matches: [{ detail: { state: 'running' } }],
    doesNotMatch: [{ detail: { state: 'STOPPED' } }, { detail: { state: 'Initializing' } }],
  },
  {
    name: 'anything-but using a wildcard',
    source: OPERATORS,
    pattern: { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } },
    matches: [{ detail: { FilePath: '/usr/bin/bash' } }, { detail: { FilePath: 'lib/x' } }],
    doesNotMatch: [{ detail: { FilePath: '/usr/lib/libc.so' } }, { detail: { FilePath: 'a/lib/' } }],
  },
  {
    name: 'anything-but using a list of wildcards',
    source: OPERATORS,
    pattern: { detail: { FilePath: [{ 'anything-but': { wildcard: ['*/lib/*', '*/bin/*'] } }] } },
    matches: [{ detail: { FilePath: '/etc/hosts' } }],
    doesNotMatch: [{ detail: { FilePath: '/usr/lib/libc.so' } }, { detail: { FilePath: '/usr/bin/bash' } }],
  },
  {
    name: 'numeric matching: every field true (> 0 and <= 5, < 10, = 3.018e2)',
    source: OPERATORS,
    pattern: {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    },
    matches: [
      { detail: { 'c-count': 5, 'd-count': 3, 'x-limit': 301.8 } },
      { detail: { 'c-count': 0.000001, 'd-count': -1e9, 'x-limit': 301.8 } },
    ],
    doesNotMatch: [
      { detail: { 'c-count': 0, 'd-count': 3, 'x-limit': 301.8 } },
      { detail: { 'c-count': 6, 'd-count': 3, 'x-limit': 301.8 } },
      { detail: { 'c-count': 5, 'd-count': 10, 'x-limit': 301.8 } },
      { detail: { 'c-count': 5, 'd-count': 3, 'x-limit': 301.9 } },
      { detail: { 'c-count': '5', 'd-count': 3, 'x-limit': 301.8 } }, // numeric works on JSON numbers only
      { detail: { 'c-count': 5, 'x-limit': 301.8 } },
    ],
  },
  {
    name: 'IP address matching (IPv4)',
    source: OPERATORS,
    pattern: { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
    matches: [{ detail: { sourceIPAddress: '10.0.0.0' } }, { detail: { sourceIPAddress: '10.0.0.255' } }],
    doesNotMatch: [
      { detail: { sourceIPAddress: '10.0.1.0' } },
      { detail: { sourceIPAddress: '10.0.0.256' } },
      { detail: { sourceIPAddress: '::ffff:10.0.0.1' } },
      { detail: { sourceIPAddress: 'not an address' } },
    ],
  },
  {
    name: 'IP address matching (IPv6, which the guide says is supported)',
    source: OPERATORS,
    pattern: { detail: { sourceIPAddress: [{ cidr: '2001:db8::/32' }] } },
    matches: [
      { detail: { sourceIPAddress: '2001:db8::1' } },
      { detail: { sourceIPAddress: '2001:0DB8:ffff:0:0:0:0:1' } },
      { detail: { sourceIPAddress: '2001:db8::10.0.0.1' } },
    ],
    doesNotMatch: [{ detail: { sourceIPAddress: '2001:db9::1' } }, { detail: { sourceIPAddress: '10.0.0.1' } }],
  },
  {
    name: 'exists: true (on a leaf; an object is not a leaf)',
    source: OPERATORS,
    pattern: { detail: { state: [{ exists: true }] } },
    matches: [pendingInstanceEvent, stateArrayEvent, { detail: { state: null } }],
    doesNotMatch: [cCountObjectEvent, { detail: { state: { name: 'pending' } } }, { detail: { state: [] } }],
  },
  {
    name: 'exists: false matches when the field is absent, or is not a leaf',
    source: `${OPERATORS} (earlier edition; ${RULER})`,
    pattern: { detail: { 'c-count': [{ exists: false }] } },
    matches: [stateArrayEvent, stateArrayAndCCountObjectEvent, {}, { detail: 'text' }],
    doesNotMatch: [{ detail: { 'c-count': 5 } }, { detail: { 'c-count': null } }, { detail: { 'c-count': [1] } }],
  },
  {
    name: 'equals-ignore-case matching',
    source: OPERATORS,
    pattern: { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] },
    matches: [
      {
        'detail-type': ['EC2 Instance State-change Notification'],
        resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
        detail: { 'c-count': { c1: 100 } },
      },
      ec2Event,
    ],
    doesNotMatch: [{ 'detail-type': 'EC2 Instance State-change' }, { 'detail-type': 1 }],
  },
  {
    name: 'wildcard: any .png file in the folder "dir"',
    source: SUMMARY,
    pattern: { FileName: [{ wildcard: 'dir/*.png' }] },
    matches: [{ FileName: 'dir/a.png' }, { FileName: 'dir/sub/a.png' }, { FileName: 'dir/.png' }],
    doesNotMatch: [{ FileName: 'other/a.png' }, { FileName: 'dir/a.jpg' }, { FileName: 'xdir/a.png' }],
  },
  {
    name: 'wildcard: any event bus in us-east-1, any account',
    source: OPERATORS,
    pattern: { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] },
    matches: [
      { EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/default' },
      { EventBusArn: 'arn:aws:events:us-east-1:111122223333:event-bus/orders' },
    ],
    doesNotMatch: [
      { EventBusArn: 'arn:aws:events:us-west-2:123456789012:event-bus/default' },
      { EventBusArn: 'arn:aws:events:us-east-1:123456789012:rule/default' },
    ],
  },
  {
    name: 'wildcard: \\* is a literal star and \\\\ a literal backslash',
    source: OPERATORS,
    pattern: String.raw`{ "detail": { "star": [ { "wildcard": "a\\*b*" } ], "slash": [ { "wildcard": "c:\\\\*" } ] } }`,
    matches: [{ detail: { star: 'a*b', slash: 'c:\\' } }, { detail: { star: 'a*bcd', slash: 'c:\\temp' } }],
    doesNotMatch: [{ detail: { star: 'axb', slash: 'c:\\' } }, { detail: { star: 'a*b', slash: 'c:temp' } }],
  },
  {
    name: 'complex example with multiple matching',
    source: OPERATORS,
    pattern: {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
      },
    },
    matches: [
      {
        time: '2017-10-02T16:24:49Z',
        detail: { state: 'running', 'c-count': 5, 'd-count': 3, 'x-limit': 301.8, 'source-ip': '10.0.0.33' },
      },
    ],
    doesNotMatch: [
      { time: '2017-10-03T16:24:49Z', detail: { state: 'running', 'c-count': 5, 'd-count': 3, 'x-limit': 301.8 } },
      { time: '2017-10-02T16:24:49Z', detail: { state: 'initializing', 'c-count': 5, 'd-count': 3, 'x-limit': 301.8 } },
      { time: '2017-10-02T16:24:49Z', detail: { state: 'running', 'c-count': 5, 'd-count': 3, 'x-limit': 200 } },
    ],
  },
  {
    name: 'a key given twice: only the last reference is used',
    source: OPERATORS,
    pattern: '{ "detail": { "location": [ { "prefix": "us-" } ], "location": [ { "anything-but": "us-east" } ] } }',
    matches: [{ detail: { location: 'eu-west' } }, { detail: { location: 'us-west' } }],
    doesNotMatch: [{ detail: { location: 'us-east' } }],
  },
  {
    name: 'complex example with $or matching',
    source: OPERATORS,
    pattern: {
      detail: {
        $or: [
          { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
          { 'd-count': [{ numeric: ['<', 10] }] },
          { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
        ],
      },
    },
    matches: [
      { detail: { 'c-count': 3 } },
      { detail: { 'c-count': 50, 'd-count': 9 } },
      { detail: { 'x-limit': 301.8 } },
    ],
    doesNotMatch: [{ detail: { 'c-count': 0, 'd-count': 10, 'x-limit': 300 } }, { detail: {} }],
  },

  // ----- Comparison operators: summary table -----
  {
    name: 'And: Location is "New York" and Day is "Monday"',
    source: SUMMARY,
    pattern: { Location: ['New York'], Day: ['Monday'] },
    matches: [{ Location: 'New York', Day: 'Monday' }],
    doesNotMatch: [{ Location: 'New York', Day: 'Tuesday' }, { Location: 'New York' }],
  },
  {
    name: 'Empty: LastName is empty',
    source: SUMMARY,
    pattern: { LastName: [''] },
    matches: [{ LastName: '' }],
    doesNotMatch: [{ LastName: 'Smith' }, { LastName: null }, {}],
  },
  {
    name: 'Equals: Name is "Alice"',
    source: SUMMARY,
    pattern: { Name: ['Alice'] },
    matches: [{ Name: 'Alice' }],
    doesNotMatch: [{ Name: 'alice' }],
  },
  {
    name: 'Equals (ignore case): Name is "Alice"',
    source: SUMMARY,
    pattern: { Name: [{ 'equals-ignore-case': 'alice' }] },
    matches: [{ Name: 'Alice' }, { Name: 'ALICE' }],
    doesNotMatch: [{ Name: 'Alicia' }],
  },
  {
    name: 'Ends with (ignore case): service ends with "tbridge"',
    source: SUMMARY,
    pattern: { service: [{ suffix: { 'equals-ignore-case': 'tBridge' } }] },
    matches: [{ service: 'EventBridge' }, { service: 'EVENTBRIDGE' }],
    doesNotMatch: [{ service: 'EventBus' }],
  },
  {
    name: 'Exists: ProductName exists',
    source: SUMMARY,
    pattern: { ProductName: [{ exists: true }] },
    matches: [{ ProductName: 'Widget' }, { ProductName: '' }],
    doesNotMatch: [{ Name: 'Widget' }],
  },
  {
    name: 'Does not exist: ProductName does not exist',
    source: SUMMARY,
    pattern: { ProductName: [{ exists: false }] },
    matches: [{ Name: 'Widget' }],
    doesNotMatch: [{ ProductName: 'Widget' }],
  },
  {
    name: 'Not: Weather is anything but "Raining"',
    source: SUMMARY,
    pattern: { Weather: [{ 'anything-but': ['Raining'] }] },
    matches: [{ Weather: 'Sunny' }],
    doesNotMatch: [{ Weather: 'Raining' }, {}],
  },
  {
    name: 'Null: UserID is null',
    source: SUMMARY,
    pattern: { UserID: [null] },
    matches: [{ UserID: null }],
    doesNotMatch: [{ UserID: 'null' }, {}],
  },
  {
    name: 'Numeric (equals): Price is 100',
    source: SUMMARY,
    pattern: { Price: [{ numeric: ['=', 100] }] },
    matches: [{ Price: 100 }, JSON.parse('{ "Price": 1.0e2 }')],
    doesNotMatch: [{ Price: 100.01 }, { Price: '100' }],
  },
  {
    name: 'Numeric (range): Price is more than 10 and at most 20',
    source: SUMMARY,
    pattern: { Price: [{ numeric: ['>', 10, '<=', 20] }] },
    matches: [{ Price: 10.5 }, { Price: 20 }],
    doesNotMatch: [{ Price: 10 }, { Price: 20.000001 }],
  },
  {
    name: 'Or: PaymentType is "Credit" or "Debit"',
    source: SUMMARY,
    pattern: { PaymentType: ['Credit', 'Debit'] },
    matches: [{ PaymentType: 'Credit' }, { PaymentType: 'Debit' }],
    doesNotMatch: [{ PaymentType: 'Cash' }],
  },
  {
    name: 'Or (multiple fields): Location is "New York", or Day is "Monday"',
    source: SUMMARY,
    pattern: { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] },
    matches: [
      { Location: 'New York', Day: 'Friday' },
      { Location: 'Paris', Day: 'Monday' },
    ],
    doesNotMatch: [{ Location: 'Paris', Day: 'Friday' }],
  },

  // ----- Event Ruler README: arrays and $or -----
  {
    name: 'objects inside arrays: fields are matched within one element',
    source: RULER,
    pattern: { employees: { firstName: ['Anna'], lastName: ['Smith'] } },
    matches: [
      {
        employees: [
          { firstName: 'John', lastName: 'Doe' },
          { firstName: 'Anna', lastName: 'Smith' },
          { firstName: 'Peter', lastName: 'Jones' },
        ],
      },
      // multi-level arrays are crushed out too
      {
        employees: [
          [
            { firstName: 'John', lastName: 'Doe' },
            { firstName: 'Anna', lastName: 'Smith' },
          ],
          [{ firstName: 'Peter', lastName: 'Jones' }],
        ],
      },
    ],
    doesNotMatch: [
      {
        employees: [
          { firstName: 'Anna', lastName: 'Doe' },
          { firstName: 'Peter', lastName: 'Smith' },
        ],
      },
    ],
  },
  {
    name: '$or with an And inside, and a nested $or',
    source: RULER,
    pattern: {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization', 'ReadLatency'] },
        {
          metricType: ['MetricType'],
          namespace: ['AWS/EC2', 'AWS/ES'],
          $or: [{ metricId: [1234] }, { spaceId: [1000] }],
        },
        { scope: ['Service'] },
      ],
    },
    matches: [
      { source: 'aws.cloudwatch', metricName: 'ReadLatency' },
      { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/ES', spaceId: 1000 },
      { source: 'aws.cloudwatch', scope: 'Service' },
    ],
    doesNotMatch: [
      { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/ES' },
      { source: 'aws.ec2', metricName: 'ReadLatency' },
    ],
  },
  {
    name: 'parallel $or at two levels',
    source: RULER,
    pattern: {
      $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
      detail: { $or: [{ source: ['aws.cloudwatch'] }, { 'detail-type': ['CloudWatch Alarm State Change'] }] },
    },
    matches: [
      { metricName: 'CPUUtilization', detail: { 'detail-type': 'CloudWatch Alarm State Change' } },
      { namespace: 'AWS/ES', detail: { source: 'aws.cloudwatch' } },
    ],
    doesNotMatch: [{ metricName: 'CPUUtilization', detail: {} }, { detail: { source: 'aws.cloudwatch' } }],
  },

  // ----- Precise choices -----
  {
    name: 'exists on arrays: a non-empty array of values exists, [] and arrays of objects do not',
    source: DECISION,
    pattern: { tags: [{ exists: true }] },
    matches: [{ tags: ['a'] }, { tags: [[null]] }, { tags: [{ k: 'v' }, 'a'] }],
    doesNotMatch: [{ tags: [] }, { tags: [{ k: 'v' }] }, { tags: {} }],
  },
  {
    name: 'exists: false below an array holds only when no element has the field',
    source: DECISION,
    pattern: { items: { discount: [{ exists: false }] } },
    matches: [{ items: [{ sku: 'a' }, { sku: 'b' }] }, { items: [] }, {}],
    doesNotMatch: [{ items: [{ sku: 'a' }, { sku: 'b', discount: 5 }] }],
  },
  {
    name: 'exists: false next to a positive field is checked in the same array element',
    source: DECISION,
    pattern: { items: { sku: ['b'], discount: [{ exists: false }] } },
    matches: [{ items: [{ sku: 'a', discount: 5 }, { sku: 'b' }] }],
    doesNotMatch: [{ items: [{ sku: 'a' }, { sku: 'b', discount: 5 }] }],
  },
  {
    name: 'an empty prefix matches every string value, and nothing else',
    source: DECISION,
    pattern: { source: [{ prefix: '' }] },
    matches: [{ source: 'anything' }, { source: '' }],
    doesNotMatch: [{ source: 1 }, { source: null }, {}],
  },
  {
    name: 'numbers beyond the numeric range: exact match works, numeric never matches',
    source: DECISION,
    pattern: { account: [123456789012], amount: [{ numeric: ['>', 0] }] },
    matches: [{ account: 123456789012, amount: 1 }],
    doesNotMatch: [
      { account: 123456789012, amount: 6e9 },
      { account: '123456789012', amount: 1 },
    ],
  },
  {
    name: 'booleans are values of their own',
    source: DECISION,
    pattern: { detail: { enabled: [true] } },
    matches: [{ detail: { enabled: true } }, { detail: { enabled: [false, true] } }],
    doesNotMatch: [{ detail: { enabled: 'true' } }, { detail: { enabled: 1 } }, { detail: { enabled: false } }],
  },
  {
    name: 'an event that is not an object has none of the fields',
    source: DECISION,
    pattern: { source: [{ exists: false }] },
    matches: ['text', null, 42, {}],
    doesNotMatch: [{ source: 'x' }],
  },
];

type Row = [string, string, string | object, unknown, boolean];

const rows: Row[] = examples.flatMap((example) => [
  ...example.matches.map((event, i): Row => [example.name, `matches #${i + 1}`, example.pattern, event, true]),
  ...example.doesNotMatch.map((event, i): Row => [example.name, `no match #${i + 1}`, example.pattern, event, false]),
]);

describe('matchesEventPattern: examples of the EventBridge documentation', () => {
  it.each(rows)('%s (%s)', (_name, _which, pattern, event, expected) => {
    const parsed = parseEventPattern(pattern);
    expect(matchesEventPattern(parsed, event)).toBe(expected);
    // The same answer for a pattern that did not go through parseEventPattern.
    if (typeof pattern === 'object') expect(matchesEventPattern(pattern as EventPattern, event)).toBe(expected);
  });

  it('has a source for every example', () => {
    for (const example of examples) expect(example.source).not.toBe('');
  });
});

describe('parseEventPattern', () => {
  it('accepts JSON text or an object and returns a frozen copy', () => {
    const raw = { source: ['aws.ec2'], detail: { state: ['running'] } };
    const parsed = parseEventPattern(raw);
    expect(parsed).toEqual(raw);
    expect(parsed).not.toBe(raw);
    expect(Object.isFrozen(parsed)).toBe(true);
    expect(Object.isFrozen(parsed.detail)).toBe(true);
    raw.source[0] = 'aws.s3'; // later changes to the input do not reach the parsed pattern
    expect(matchesEventPattern(parsed, { source: 'aws.ec2', detail: { state: 'running' } })).toBe(true);
    expect(parseEventPattern(JSON.stringify(parsed))).toEqual(parsed);
  });

  it('accepts every operator the guide lists', () => {
    expect(() =>
      parseEventPattern({
        a: ['x', 1, true, false, null],
        b: [{ prefix: 'x' }, { prefix: { 'equals-ignore-case': 'x' } }],
        c: [{ suffix: 'x' }, { suffix: { 'equals-ignore-case': 'x' } }],
        d: [{ 'equals-ignore-case': 'x' }, { wildcard: 'a*b' }, { cidr: '::/0' }],
        e: [{ 'anything-but': 'x' }, { 'anything-but': 1 }, { 'anything-but': ['x'] }, { 'anything-but': [1, 2] }],
        f: [
          { 'anything-but': { prefix: 'x' } },
          { 'anything-but': { prefix: ['x', 'y'] } },
          { 'anything-but': { suffix: 'x' } },
          { 'anything-but': { 'equals-ignore-case': ['x'] } },
          { 'anything-but': { wildcard: '*x*' } },
        ],
        g: [{ numeric: ['=', 1] }, { numeric: ['>=', -5e9, '<', 5e9] }, { exists: true }],
        $or: [{ h: ['1'] }, { i: { j: ['2'] } }],
      }),
    ).not.toThrow();
  });

  const invalid: [string, string | object, RegExp][] = [
    ['text that is not JSON', '{ "source": [ "aws.ec2" ', /not valid JSON/],
    ['a pattern that is an array', '[ { "source": ["aws.ec2"] } ]', /Filter is not an object/],
    ['a pattern that is null', 'null', /Filter is not an object/],
    ['an empty pattern', {}, /Empty objects are not allowed/],
    ['an empty nested object', { detail: {} }, /Empty objects are not allowed \(at detail\)/],
    [
      'a leaf that is not an array',
      { source: 'aws.ec2' },
      /"source" must be an object or an array.*write \[ "aws\.ec2" \]/,
    ],
    [
      'a leaf that is a number',
      { detail: { count: 5 } },
      /"count" must be an object or an array, not number 5.*\(at detail\.count\)/,
    ],
    [
      'a match expression outside its array',
      { time: { prefix: '2017' } },
      /"prefix" must be an object or an array.*must be inside an array/,
    ],
    ['an empty array', { source: [] }, /Empty arrays are not allowed \(at source\)/],
    ['an array inside a leaf', { source: [['aws.ec2']] }, /Match value must be String, number.*\(at source\[0\]\)/],
    ['an unknown operator', { source: [{ contains: 'ec2' }] }, /Unrecognized match type contains/],
    ['an empty match expression', { source: [{}] }, /Empty match expression/],
    ['two operators in one expression', { source: [{ prefix: 'a', suffix: 'b' }] }, /Only one key allowed/],
    ['a prefix that is not a string', { source: [{ prefix: 1 }] }, /prefix match pattern must be a string/],
    ['a prefix with an unknown nested operator', { source: [{ prefix: { wildcard: 'a*' } }] }, /Unsupported prefix/],
    ['a suffix that is null', { source: [{ suffix: null }] }, /suffix match pattern must be a string/],
    ['equals-ignore-case with a number', { source: [{ 'equals-ignore-case': 1 }] }, /must be a string/],
    ['exists with a string', { source: [{ exists: 'true' }] }, /exists match pattern must be either true or false/],
    ['numeric that is not an array', { n: [{ numeric: '>5' }] }, /Value of numeric must be an array/],
    ['numeric that is empty', { n: [{ numeric: [] }] }, /Invalid member in numeric match/],
    ['numeric with a bad operator', { n: [{ numeric: ['!=', 5] }] }, /Unrecognized numeric range operator: !=/],
    ['numeric starting with a number', { n: [{ numeric: [5, '<'] }] }, /Invalid member in numeric match: 5/],
    ['numeric with a string value', { n: [{ numeric: ['<', '10'] }] }, /Value of < must be numeric/],
    ['numeric with no value', { n: [{ numeric: ['>'] }] }, /Value of > must be numeric/],
    ['numeric with a bad second operator', { n: [{ numeric: ['>', 0, '>', 5] }] }, /Bad numeric range operator: >/],
    ['numeric with = and more', { n: [{ numeric: ['=', 0, '<', 5] }] }, /Too many elements in numeric expression/],
    ['numeric range written top first', { n: [{ numeric: ['<', 5, '>', 0] }] }, /Too many elements/],
    ['numeric with too many terms', { n: [{ numeric: ['>', 0, '<', 5, '<', 6] }] }, /Too many terms/],
    ['numeric with bottom above top', { n: [{ numeric: ['>=', 5, '<', 5] }] }, /Bottom must be less than top/],
    ['numeric beyond the range', { n: [{ numeric: ['<', 6e9] }] }, /between -5\.0e9 and \+5\.0e9/],
    ['anything-but null', { s: [{ 'anything-but': null }] }, /Value of anything-but must be/],
    ['anything-but true', { s: [{ 'anything-but': true }] }, /Value of anything-but must be/],
    ['anything-but an empty list', { s: [{ 'anything-but': [] }] }, /must not be empty/],
    ['anything-but a mixed list', { s: [{ 'anything-but': ['a', 1] }] }, /mixed types are not supported/],
    ['anything-but a list with null', { s: [{ 'anything-but': ['a', null] }] }, /only strings or numbers/],
    ['anything-but numeric', { s: [{ 'anything-but': { numeric: ['>', 1] } }] }, /Unsupported anything-but pattern/],
    ['anything-but an empty prefix', { s: [{ 'anything-but': { prefix: '' } }] }, /Null prefix not allowed/],
    ['anything-but a number prefix', { s: [{ 'anything-but': { prefix: 1 } }] }, /must be a string/],
    [
      'anything-but a prefix ignoring case',
      { s: [{ 'anything-but': { prefix: { 'equals-ignore-case': 'a' } } }] },
      /anything-but\/prefix match pattern must be a string/,
    ],
    ['anything-but two operators', { s: [{ 'anything-but': { prefix: 'a', suffix: 'b' } }] }, /Unsupported/],
    ['a cidr without a mask', { ip: [{ cidr: '10.0.0.0' }] }, /Malformed CIDR, one '\/' required/],
    ['a cidr with a bad mask', { ip: [{ cidr: '10.0.0.0/x' }] }, /mask bits must be an integer/],
    ['a cidr with a mask too wide', { ip: [{ cidr: '10.0.0.0/33' }] }, /between 0 and 32/],
    ['a cidr with a bad address', { ip: [{ cidr: '10.0.0.300/24' }] }, /Nonstandard IP address: 10\.0\.0\.300/],
    ['a cidr that is not a string', { ip: [{ cidr: 10 }] }, /cidr match pattern must be a string/],
    ['a wildcard with consecutive stars', { f: [{ wildcard: 'a**b' }] }, /Consecutive wildcard characters/],
    ['a wildcard escaping a letter', { f: [{ wildcard: String.raw`a\b` }] }, /Invalid escape character/],
    ['a wildcard ending in a backslash', { f: [{ wildcard: 'a\\' }] }, /Invalid escape character/],
    ['an anything-but wildcard with consecutive stars', { f: [{ 'anything-but': { wildcard: '**' } }] }, /Consecutive/],
    ['$or that is not an array', { $or: { a: ['1'] } }, /\$or must be an array of at least 2 objects/],
    ['$or with one alternative', { $or: [{ a: ['1'] }] }, /at least 2 objects in \$or, found 1/],
    ['$or with no alternative', { detail: { $or: [] } }, /at least 2 objects in \$or, found 0;.*\(at detail\.\$or\)/],
    ['$or with a non-object', { $or: [{ a: ['1'] }, ['b']] }, /Only JSON objects are allowed in the \$or array/],
    ['$or with an empty object', { $or: [{ a: ['1'] }, {}] }, /Empty objects are not allowed \(at \$or\[1\]\)/],
    [
      'an operator used as a field inside $or',
      { $or: [{ numeric: ['>', 1] }, { prefix: ['a'] }] },
      /"numeric" is a matching keyword and cannot be used as a field name inside \$or/,
    ],
    [
      '$or beyond 1000 combinations',
      {
        a: { $or: Array.from({ length: 10 }, (_, i) => ({ [`a${i}`]: ['x'] })) },
        b: { $or: Array.from({ length: 10 }, (_, i) => ({ [`b${i}`]: ['x'] })) },
        c: { $or: Array.from({ length: 11 }, (_, i) => ({ [`c${i}`]: ['x'] })) },
      },
      /more than 1000 rule combinations/,
    ],
  ];

  it.each(invalid)('refuses %s', (_name, pattern, message) => {
    expect(() => parseEventPattern(pattern)).toThrow(InvalidEventPatternError);
    expect(() => parseEventPattern(pattern)).toThrow(message);
  });

  it('accepts exactly 1000 $or combinations', () => {
    const ors = (name: string) => ({ $or: Array.from({ length: 10 }, (_, i) => ({ [`${name}${i}`]: ['x'] })) });
    const pattern = parseEventPattern({ a: ors('a'), b: ors('b'), c: ors('c') });
    expect(matchesEventPattern(pattern, { a: { a3: 'x' }, b: { b9: 'x' }, c: { c0: 'x' } })).toBe(true);
    expect(matchesEventPattern(pattern, { a: { a3: 'x' }, b: { b9: 'y' }, c: { c0: 'x' } })).toBe(false);
  });

  it('says where the problem is, and what it is', () => {
    let caught: unknown;
    try {
      parseEventPattern({ detail: { state: ['ok', { numeric: ['!=', 1] }] } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidEventPatternError);
    const error = caught as InvalidEventPatternError;
    expect(error.name).toBe('InvalidEventPatternError');
    expect(error.path).toBe('detail.state[1].numeric');
    expect(error.reason).toMatch(/^Unrecognized numeric range operator: !=/);
    expect(error.message).toMatch(/^Event pattern is not valid\. Reason: Unrecognized numeric range operator/);
  });

  it('validates a pattern that did not come from parseEventPattern when matching', () => {
    expect(() => matchesEventPattern({ source: 'aws.ec2' } as unknown as EventPattern, {})).toThrow(
      InvalidEventPatternError,
    );
  });
});
