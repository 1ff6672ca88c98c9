/**
 * What the seeded images are made of: prompt words and phrases, model and LoRA file names, samplers,
 * schedulers, sizes, tags. Popularity follows Zipf's law (see `zipf`): a few words appear in most
 * prompts ("masterpiece"), most words in a handful; a few checkpoints make most images.
 */
import { seededRandom } from './gallery-random.js';

const words = (list: string) => list.trim().split(/\s+/);
const phrases = (list: string) => list.split('|').map((phrase) => phrase.trim());

/** Quality boosters and how often each heads a prompt: the common words of the search bench. */
export const boosters: readonly (readonly [string, number])[] = [
  ['masterpiece', 0.72],
  ['best quality', 0.6],
  ['highly detailed', 0.45],
  ['8k', 0.22],
  ['ultra realistic', 0.14],
  ['award winning', 0.06],
];

export const subjects = phrases(`woman | man | girl | old man | knight | samurai | witch | wizard | robot |
  android | astronaut | pilot | soldier | dancer | musician | monk | queen | king | princess | warrior |
  elf | dwarf | orc | vampire | ghost | angel | demon | mermaid | cyborg | detective | chef | farmer |
  sailor | pirate | cowboy | nurse | scientist | child | cat | dog | fox | wolf | owl | raven | horse |
  deer | tiger | lion | dragon | phoenix | whale | octopus | jellyfish | butterfly | koi fish | rabbit |
  bear | lighthouse | castle | cathedral | temple | pagoda | cottage | skyscraper | city street | harbor |
  bridge | windmill | train station | spaceship | space station | airship | submarine | sailing ship |
  motorcycle | sports car | vintage car | tram | bicycle | library | greenhouse | market | tavern |
  throne room | laboratory | bedroom | kitchen | cafe | ruins | tower | fortress | village | garden |
  mountain | waterfall | volcano | glacier | canyon | desert | forest | jungle | lake | river | island |
  beach | meadow | cliff | cave | swamp | nebula | planet | moon | galaxy | still life | bowl of fruit |
  bouquet of flowers | teapot | pocket watch | sword | crown | potion bottle | mask | chess board`);

export const adjectives = words(`red blue green golden silver black white crimson emerald azure violet
  amber ancient futuristic abandoned overgrown ruined majestic tiny giant cute fierce elegant ornate
  rusty glowing ethereal mysterious haunted cozy serene lonely melancholic joyful epic colossal
  floating frozen burning flooded crystal wooden marble steampunk cyberpunk gothic baroque victorian
  medieval retro neon pastel iridescent translucent weathered shimmering sleeping wounded armored
  hooded masked smiling`);

export const places =
  phrases(`in a misty forest | on a cliff | at the seaside | in a neon city | in the rain |
  under the stars | in a snowy valley | in the desert | on a rooftop | in a flower field | underwater |
  in space | on an alien planet | in a dark dungeon | in a sunlit meadow | by a river | in a library |
  in a crowded market | in the mountains | on a stormy sea | in a cherry blossom garden | in a cave |
  in an abandoned factory | at a train station | in a candlelit room | on a battlefield | in the clouds |
  in a swamp | in a bamboo forest | in autumn woods | at the beach | in a greenhouse | on the moon |
  in a sunflower field | in a frozen lake | in a volcanic landscape | in the ruins | at dusk | at dawn |
  at night | at noon | in winter | in spring | in summer | in autumn`);

export const styles = phrases(`oil painting | watercolor | concept art | digital painting | photorealistic |
  anime | manga | studio ghibli style | pixel art | low poly | 3d render | octane render |
  unreal engine | matte painting | ink drawing | charcoal sketch | pencil sketch | art nouveau |
  art deco | impressionism | expressionism | surrealism | cubism | ukiyo-e | pop art | vaporwave |
  synthwave | dark fantasy | high fantasy | science fiction | film noir | cinematic still |
  polaroid photo | analog photo | fashion photography | portrait photography | street photography |
  macro photography | product photography | isometric | claymation | stained glass | papercut |
  tarot card | comic book | children's book illustration | graphic novel | vector art | tilt-shift`);

export const lighting = phrases(`golden hour | dramatic lighting | cinematic lighting | soft lighting |
  rim light | backlit | volumetric light | volumetric fog | god rays | neon lights | studio lighting |
  natural light | moonlight | candlelight | harsh shadows | low key | high key | blue hour |
  overcast | bioluminescent | sunset glow | firelight | lens flare | chiaroscuro | ambient occlusion |
  global illumination | subsurface scattering | hdr | dappled sunlight | foggy`);

export const camera =
  phrases(`35mm | 50mm | 85mm | 24mm wide angle | telephoto | bokeh | shallow depth of field |
  f/1.8 | f/8 | long exposure | close-up | extreme close-up | full body shot | medium shot |
  wide shot | aerial view | bird's eye view | low angle | dutch angle | symmetrical | rule of thirds |
  film grain | kodak portra 400 | fujifilm | sharp focus | motion blur | tilt shift | hasselblad`);

/** Descriptive words, most popular first: the head of the Zipf list of free words. */
const commonWords = words(`intricate detailed beautiful sharp vibrant dramatic realistic colorful
  dark moody atmospheric elegant soft fantasy trending artstation cinematic epic stunning gorgeous
  smooth clean hyperrealistic illustration portrait landscape textured glossy matte dreamy whimsical
  surreal minimalist complex ornamental symmetrical dynamic pose expressive eyes
  freckles long hair short hair braided flowing dress armor cloak jewelry tattoos scars wings horns
  crown feathers leaves petals vines roots mushrooms moss stones crystals gems gold silver copper bronze
  iron glass porcelain silk velvet leather lace fur smoke mist fog rain snow ice fire embers sparks
  lightning clouds stars sunbeams reflections puddles shadows silhouettes lanterns candles banners
  flags ribbons chains gears pipes wires cables screens holograms circuits runes glyphs sigils
  symbols patterns mosaic filigree embroidery calligraphy graffiti posters signs umbrellas boats
  birds fish insects butterflies flowers roses lilies orchids lotus tulips daisies sunflowers ferns
  palms pines oaks willows cherry maple bamboo grass wheat moss lichen coral shells pearls sand dunes
  waves tides rivers streams ponds fountains bridges arches columns domes spires towers walls gates
  doors windows stairs balconies rooftops alleys streets plazas markets harbors docks piers
  lighthouses windmills mills barns cottages cabins tents caravans wagons carriages trains trams
  bicycles motorcycles cars trucks planes balloons kites rockets satellites planets moons comets
  nebulae galaxies auroras eclipses sunrise sunset twilight midnight noon morning evening teal
  orange magenta turquoise indigo ochre sepia monochrome duotone pastel muted saturated warm cool
  contrast grain noise bloom glow haze dust particles bubbles droplets splashes ripples swirls spirals
  fractals geometry lines curves dots stripes checkers tiles bricks planks beams rafters ruins
  debris rubble vines overgrowth decay rust patina cracks scratches stains paint drips splatter
  brushstrokes impasto glaze wash sketchy loose tight precise delicate bold heavy light airy dense
  sparse vast intimate quiet loud calm chaotic peaceful tense eerie cheerful gloomy nostalgic
  romantic heroic tragic comic playful serious regal humble rustic urban rural tropical arctic
  alpine coastal desert volcanic subterranean celestial infernal divine mythical legendary`);

/** Syllables of the long tail (artist names, invented places, rare jargon). */
const syllables = words(`ka lo mi ren tha vor sel dri an quel bra zen mar ti no vel sha ri do ga
  fen ul or bel cas pi tor lin ne vi da kor sa mu rel eth ol ar ix ven ko la nu ser has te ma`);

function longTail(count: number, taken: ReadonlySet<string>): string[] {
  const random = seededRandom(0x5eed);
  const out: string[] = [];
  const seen = new Set(taken);
  while (out.length < count) {
    const parts = 2 + Math.floor(random() * 2);
    let word = '';
    for (let i = 0; i < parts; i++) word += syllables[Math.floor(random() * syllables.length)] ?? '';
    if (seen.has(word)) continue;
    seen.add(word);
    out.push(word);
  }
  return out;
}

const tailSize = 3200;
/** Free words, most popular first: real descriptive words, then the invented long tail. */
export const freeWords: readonly string[] = [
  ...commonWords,
  ...longTail(tailSize, new Set([...commonWords, ...adjectives])),
];
/** A word from far down the tail: in a few dozen prompts of a million. */
export const rareWord = freeWords[freeWords.length - 200] ?? 'kolo';

export const negativePhrases = phrases(`blurry | lowres | bad anatomy | bad hands | extra fingers |
  missing fingers | watermark | signature | text | jpeg artifacts | worst quality | low quality |
  normal quality | deformed | disfigured | ugly | duplicate | cropped | out of frame | mutated |
  poorly drawn face | extra limbs | oversaturated | grainy | nsfw | username | logo | cartoon | 3d`);

const checkpointFamilies: readonly (readonly [string, 'xl' | 'sd15'])[] = [
  ['sd_xl_base_1.0', 'xl'],
  ['juggernautXL', 'xl'],
  ['dreamshaper', 'sd15'],
  ['realisticVision', 'sd15'],
  ['ponyDiffusion', 'xl'],
  ['animagineXL', 'xl'],
  ['epicrealism', 'sd15'],
  ['deliberate', 'sd15'],
  ['zavychromaXL', 'xl'],
  ['albedobaseXL', 'xl'],
  ['revAnimated', 'sd15'],
  ['counterfeit', 'sd15'],
  ['proteusXL', 'xl'],
  ['copaxTimelessXL', 'xl'],
  ['absolutereality', 'sd15'],
  ['crystalClearXL', 'xl'],
  ['majicmixRealistic', 'sd15'],
];

export interface Checkpoint {
  name: string;
  isXl: boolean;
}

/** 50 checkpoint files, several versions per family. */
export const checkpoints: readonly Checkpoint[] = Array.from({ length: 50 }, (_, i) => {
  const [family, kind] = checkpointFamilies[i % checkpointFamilies.length] ?? ['model', 'xl'];
  const version = Math.floor(i / checkpointFamilies.length) + 1;
  return { name: `${family}_v${version}0.safetensors`, isXl: kind === 'xl' };
});

const loraThemes = words(`detail tweaker add_detail epi_noise_offset film_grain lcm_lora pixel_art
  watercolor_style ink_sketch anime_lineart cyberpunk_city steampunk_gear fantasy_armor elven_ears
  neon_glow soft_focus hdr_boost color_pop vintage_photo polaroid bokeh_light clay_render lowpoly
  isometric_room paper_cut stained_glass tarot_card ukiyoe comic_panel gothic_lace floral_crown
  mecha_parts robot_joints dragon_scales fur_texture hair_detail eye_detail hand_fix face_fix
  skin_texture cloth_physics wet_look smoke_fx fire_fx water_fx lightning_fx snow_fx leaf_fx
  cinematic_grade`);

/** 500 LoRA files: themes × versions, e.g. `detail_tweaker_xl_v3.safetensors`. */
export const loras: readonly string[] = Array.from({ length: 500 }, (_, i) => {
  const theme = loraThemes[i % loraThemes.length] ?? 'lora';
  const round = Math.floor(i / loraThemes.length);
  return `${theme}${round % 2 === 0 ? '_xl' : ''}_v${round + 1}.safetensors`;
});

export const samplers = words(`euler euler_ancestral dpmpp_2m dpmpp_2m_sde dpmpp_sde dpmpp_3m_sde heun
  lms ddim uni_pc`);
export const schedulers = words(`karras normal exponential sgm_uniform simple ddim_uniform beta`);

export const xlSizes: readonly (readonly [number, number])[] = [
  [1024, 1024],
  [832, 1216],
  [1216, 832],
  [896, 1152],
  [1152, 896],
  [768, 1344],
  [1344, 768],
];
export const sd15Sizes: readonly (readonly [number, number])[] = [
  [512, 512],
  [512, 768],
  [768, 512],
  [640, 640],
];

/** ~300 tags a studio might use: clients, projects, states. */
export const tags: readonly string[] = [
  ...words(`favorite portfolio wip final approved-by-client reference moodboard needs-fix upscale print
    social thumbnail cover banner poster concept keyframe storyboard character environment prop`),
  ...Array.from({ length: 26 }, (_, i) => `client-${String.fromCharCode(97 + i)}`),
  ...Array.from({ length: 120 }, (_, i) => `project-${String(i + 1).padStart(3, '0')}`),
  ...Array.from({ length: 134 }, (_, i) => `batch-${2024 + Math.floor(i / 12)}-${(i % 12) + 1}`),
];

export const notes = [
  'client liked the lighting, try a wider crop',
  'use as the reference for the next round',
  'hands need fixing before print',
  'too saturated; compare with the earlier seed',
  'shortlisted for the cover',
];
