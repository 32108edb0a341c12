// The openai SDK the example runs against: `openai` (6.x, the version this example pins), or
// the package named by BREAKWATER_OPENAI (`scripts/test-node.sh` runs the example again under
// `openai-7`, the newest major, installed under that alias).
const name = process.env.BREAKWATER_OPENAI || 'openai';
const { default: OpenAI } = await import(name);
export default OpenAI;
