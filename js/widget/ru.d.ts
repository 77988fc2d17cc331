// Types of talk-uploader/widget/ru.js.
import type { WidgetStrings } from "./index.js";
export declare const ru: WidgetStrings;
