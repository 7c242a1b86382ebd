/**
 * The SQL editor: CodeMirror 6 with DuckDB-flavoured SQL (PostgreSQL's dialect, with
 * backquotes for js.`…`), completion of the catalog's names, Ctrl/Cmd-Enter to run, and
 * an error's position marked in the text.
 */
import type { CompletionSource } from '@codemirror/autocomplete';
import { PostgreSQL, SQLDialect, keywordCompletionSource, schemaCompletionSource, type SQLNamespace } from '@codemirror/lang-sql';
import { HighlightStyle, LanguageSupport, syntaxHighlighting } from '@codemirror/language';
import { Compartment, EditorState, Prec, StateEffect, StateField } from '@codemirror/state';
import { Decoration, EditorView, keymap, type DecorationSet } from '@codemirror/view';
import { tags } from '@lezer/highlight';
import { basicSetup } from 'codemirror';
import { useEffect, useRef } from 'preact/hooks';

export interface EditorHandle {
  text(): string;
  setText(text: string): void;
  /** Underlines the word at offset and puts the cursor there; returns its 1-based line and column. */
  markError(offset: number): { line: number; column: number };
  clearError(): void;
  focus(): void;
}

const dialect = SQLDialect.define({ ...PostgreSQL.spec, identifierQuotes: '"`' });

const keywords = keywordCompletionSource(dialect, true);
// Keywords are no answer after a dot (process.me → memory, not MERGE).
const keywordsNotAfterDot: CompletionSource = (context) => (context.matchBefore(/\.[\w$]*$/) ? null : keywords(context));

/** lang-sql's sql(), with that keyword source. */
function sqlSupport(schema: SQLNamespace | null): LanguageSupport {
  const data = dialect.language.data;
  return new LanguageSupport(dialect.language, [
    ...(schema ? [data.of({ autocomplete: schemaCompletionSource({ dialect, schema }) })] : []),
    data.of({ autocomplete: keywordsNotAfterDot }),
  ]);
}

const highlight = HighlightStyle.define([
  { tag: tags.keyword, color: 'var(--syn-keyword)' },
  { tag: [tags.string, tags.special(tags.string)], color: 'var(--syn-string)' },
  { tag: [tags.number, tags.bool, tags.null], color: 'var(--syn-number)' },
  { tag: tags.comment, color: 'var(--syn-comment)', fontStyle: 'italic' },
  { tag: [tags.special(tags.name), tags.quote], color: 'var(--syn-quoted)' },
  { tag: [tags.typeName, tags.standard(tags.name)], color: 'var(--syn-type)' },
  { tag: tags.operator, color: 'var(--syn-operator)' },
]);

const setMark = StateEffect.define<{ from: number; to: number } | null>();
const errorMark = Decoration.mark({ class: 'cm-error-mark' });
const markField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, tr) {
    for (const effect of tr.effects) {
      if (effect.is(setMark)) return effect.value ? Decoration.set([errorMark.range(effect.value.from, effect.value.to)]) : Decoration.none;
    }
    return tr.docChanged ? Decoration.none : marks;
  },
  provide: (field) => EditorView.decorations.from(field),
});

interface Props {
  initial: string;
  schema: SQLNamespace | null;
  onRun: () => void;
  handle: { current: EditorHandle | null };
}

export function SqlEditor({ initial, schema, onRun, handle }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const language = useRef(new Compartment());
  const run = useRef(onRun);
  run.current = onRun;

  useEffect(() => {
    if (!box.current) return;
    const editor = new EditorView({
      parent: box.current,
      state: EditorState.create({
        doc: initial,
        extensions: [
          Prec.highest(
            keymap.of([
              {
                key: 'Mod-Enter',
                run: () => {
                  run.current();
                  return true;
                },
              },
            ]),
          ),
          basicSetup,
          syntaxHighlighting(highlight),
          language.current.of(sqlSupport(null)),
          markField,
          EditorView.lineWrapping,
        ],
      }),
    });
    view.current = editor;
    handle.current = {
      text: () => editor.state.doc.toString(),
      setText: (text) => editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text }, selection: { anchor: text.length } }),
      markError: (offset) => {
        const doc = editor.state.doc;
        const from = Math.max(0, Math.min(offset, doc.length));
        const word = /^[\w$.`"]+/.exec(doc.sliceString(from, Math.min(doc.length, from + 200)));
        const to = Math.min(doc.length, from + Math.max(1, word?.[0].length ?? 1));
        editor.dispatch({
          effects: [setMark.of(from < to ? { from, to } : null), EditorView.scrollIntoView(from)],
          selection: { anchor: from },
        });
        const line = doc.lineAt(from);
        return { line: line.number, column: from - line.from + 1 };
      },
      clearError: () => editor.dispatch({ effects: setMark.of(null) }),
      focus: () => editor.focus(),
    };
    return () => {
      editor.destroy();
      view.current = null;
      handle.current = null;
    };
  }, []);

  useEffect(() => {
    if (!view.current || !schema) return;
    view.current.dispatch({ effects: language.current.reconfigure(sqlSupport(schema)) });
  }, [schema]);

  return <div class="sql-editor" ref={box} data-testid="sql-editor" />;
}
