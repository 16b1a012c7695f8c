import { encodeCborStringMap, renderAwsError } from './aws-error';

const error = { code: 'ThrottlingException', message: 'Rate <exceeded> & "more"', httpStatus: 400 };

describe('renderAwsError', () => {
  it('renders the JSON protocol with __type and x-amzn-ErrorType, echoing the JSON version', () => {
    const reply = renderAwsError('json', error, 'req-1', 'application/x-amz-json-1.0');
    expect(reply.status).toBe(400);
    expect(reply.headers).toMatchObject({
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-errortype': 'ThrottlingException',
      'x-amzn-requestid': 'req-1',
    });
    expect(JSON.parse(reply.body.toString())).toEqual({ __type: 'ThrottlingException', message: error.message });
  });

  it('renders the query protocol as an escaped ErrorResponse, Receiver for 5xx', () => {
    const reply = renderAwsError('query', { ...error, code: 'ServiceUnavailable', httpStatus: 503 }, 'req-2');
    expect(reply.headers['content-type']).toBe('text/xml');
    expect(reply.body.toString()).toContain(
      '<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code>' +
        '<Message>Rate &#60;exceeded&#62; &#38; &#34;more&#34;</Message></Error><RequestId>req-2</RequestId></ErrorResponse>',
    );
  });

  it('renders S3 (rest-xml) and EC2 shapes', () => {
    expect(
      renderAwsError('rest-xml', { code: 'NoSuchKey', message: 'm', httpStatus: 404 }, 'r').body.toString(),
    ).toContain('<Error><Code>NoSuchKey</Code><Message>m</Message><RequestId>r</RequestId></Error>');
    expect(renderAwsError('ec2', { code: 'X', message: 'm', httpStatus: 400 }, 'r').body.toString()).toContain(
      '<Response><Errors><Error><Code>X</Code><Message>m</Message></Error></Errors><RequestID>r</RequestID></Response>',
    );
  });
});

describe('encodeCborStringMap', () => {
  it('encodes a map of text strings', () => {
    expect(encodeCborStringMap({ a: 'b' })).toEqual(Buffer.from([0xa1, 0x61, 0x61, 0x61, 0x62]));
    const long = 'x'.repeat(300);
    const encoded = encodeCborStringMap({ m: long });
    expect(encoded.subarray(0, 6)).toEqual(Buffer.from([0xa1, 0x61, 0x6d, 0x79, 0x01, 0x2c]));
    expect(encoded.length).toBe(6 + 300);
  });
});
