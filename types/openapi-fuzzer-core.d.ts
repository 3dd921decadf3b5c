// openapi-fuzzer-core ships no types. It reads a Swagger 2.0 document and returns request specs:
// each breaks one thing (an unknown path, an unsupported method, one parameter or one body field of
// the wrong type, a required field missing) and names the status it expects.
declare module 'openapi-fuzzer-core' {
  export interface FuzzSpec {
    name: 'PATH' | 'METHOD' | 'PATH PARAMS' | 'QUERY PARAMS' | 'BODY';
    request: { method: string; path: string; pathParams?: Record<string, unknown>; queryParams?: Record<string, unknown>; body?: unknown };
    expect: { status: number[] };
  }
  const fuzz: { swagger(document: unknown): FuzzSpec[] };
  export default fuzz;
}
