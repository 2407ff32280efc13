import { packageConfig } from '../../tools/tsup-config';

export default packageConfig(import.meta.url);
