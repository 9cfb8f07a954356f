/**
 * The shells' completion scripts. Each asks `vmx __complete` for the words that fit (nouns, verbs,
 * flags, names from the store), so the scripts stay small and never go stale as commands change.
 */
export const scripts = {
  bash: `# vmx completion for bash. Load it in ~/.bashrc:
#   source <(vmx completion bash)
_vmx_complete() {
  local cur=\${COMP_WORDS[COMP_CWORD]} IFS=$'\\n' candidates
  candidates=$(vmx __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) || return 0
  COMPREPLY=($(compgen -W "$candidates" -- "$cur"))
  # A connection offered for --model ends in '/': the model name follows without a space.
  if [[ \${#COMPREPLY[@]} -eq 1 && \${COMPREPLY[0]} == */ ]]; then compopt -o nospace 2>/dev/null; fi
  return 0
}
complete -o default -F _vmx_complete vmx
`,
  zsh: `#compdef vmx
# vmx completion for zsh. Load it in ~/.zshrc (after compinit):
#   source <(vmx completion zsh)
_vmx() {
  local -a candidates
  candidates=("\${(@f)$(vmx __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if [[ -z \${candidates[1]} ]]; then
    _files
    return
  fi
  local -a spaced slashed
  spaced=(\${candidates:#*/})
  slashed=(\${(M)candidates:#*/})
  (( \${#spaced} )) && compadd -- "\${spaced[@]}"
  (( \${#slashed} )) && compadd -S '' -- "\${slashed[@]}"
  return 0
}
compdef _vmx vmx
`,
  fish: `# vmx completion for fish. Load it with:
#   vmx completion fish > ~/.config/fish/completions/vmx.fish
complete -c vmx -f -a '(vmx __complete (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'
`,
} as const;

export type Shell = keyof typeof scripts;
