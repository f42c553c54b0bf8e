// Placeholder code the function is created with; the first `lambda-rollout deploy` replaces it.
export const handler = async () => ({
  statusCode: 503,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ message: "name-searcher has not been deployed yet" }),
});
