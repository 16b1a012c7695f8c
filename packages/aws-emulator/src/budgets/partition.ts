/** The AWS partition of a region: aws-cn for cn-*, aws-us-gov for us-gov-*, aws-iso(-b), else aws. */
export function partitionOfRegion(region: string | undefined): string {
  if (region === undefined) return 'aws';
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  return 'aws';
}
