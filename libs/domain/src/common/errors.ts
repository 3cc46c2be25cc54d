/** The body of every error response of the API. */
export interface ErrorResponse {
  statusCode: number;
  error: string;
  message: string;
  requestId: string;
  /** Per-field messages for validation errors, keyed by dotted path. */
  fields?: Record<string, string>;
}
