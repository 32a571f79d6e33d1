/** Names of this action's inputs and outputs, kept in one place. */
export const Input = {
  Parameters: 'parameters',
  KmsKey: 'kms-key',
  Length: 'length',
  Rotate: 'rotate',
  AwsRegion: 'aws-region'
} as const;

export const Output = {
  Created: 'created',
  Kept: 'kept',
  Rotated: 'rotated'
} as const;

/** Fewest random bytes a new value may have (256 bits). */
export const MIN_LENGTH = 32;
export const DEFAULT_LENGTH = 48;
/** A standard-tier parameter holds at most 4 KB; 3072 bytes are 4096 base64url characters. */
export const MAX_LENGTH = 3072;
