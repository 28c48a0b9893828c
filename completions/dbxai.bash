# bash completion for dbxai. Installed by `make install` into
# share/bash-completion/completions/dbxai; or: source completions/dbxai.bash
#
# Model names after -m/--model come from `dbxai models` (the workspace's serving
# endpoints, at most 3 s); DBXAI_COMPLETE_MODELS=0 turns that off.

_dbxai_models()
{
	[ "${DBXAI_COMPLETE_MODELS:-1}" = 0 ] && return
	local cmd=(dbxai)
	command -v timeout >/dev/null 2>&1 && cmd=(timeout 3 dbxai)
	"${cmd[@]}" models 2>/dev/null
}

_dbxai()
{
	local cur prev words cword
	if declare -F _init_completion >/dev/null 2>&1; then
		_init_completion || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi

	local commands="chat embed models api login logout auth configure help"
	local globals="--host --profile --cacert --connect-timeout --idle-timeout --resolve -v --verbose
		--auth --json --raw --version --help"
	local chat_opts="-i --interactive -m --model -s --system --system-file -t --temperature
		--max-tokens --tools --messages --no-stream --fast --api --show-reasoning --thinking
		--reasoning-effort --schema --json-object --param --usage --save -a --attach
		--custom-inputs --trace"
	local embed_opts="-m --model --batch"

	# the command: the first word that is neither an option nor an option's value
	local i cmd=
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--host | --profile | --cacert | --connect-timeout | --idle-timeout | --resolve | --auth)
			((i++)) ;;
		-*) ;;
		*) cmd=${words[i]}; break ;;
		esac
	done

	case $prev in
	--cacert | --tools | --messages | --schema | --save | --system-file | --data | -d | -a | --attach | --trace)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--auth)
		COMPREPLY=($(compgen -W "pat oauth-m2m oauth-u2m" -- "$cur"))
		return ;;
	--api)
		COMPREPLY=($(compgen -W "chat responses agent-chat agent-responses" -- "$cur"))
		return ;;
	--reasoning-effort)
		COMPREPLY=($(compgen -W "low medium high" -- "$cur"))
		return ;;
	-m | --model)
		COMPREPLY=($(compgen -W "$(_dbxai_models)" -- "$cur"))
		return ;;
	--host | --profile | --connect-timeout | --idle-timeout | --resolve | -s | --system | -t | \
		--temperature | --max-tokens | --thinking | --param | --batch | --timeout)
		return ;;
	esac

	case $cmd in
	"")
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$globals" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi ;;
	chat) COMPREPLY=($(compgen -W "$chat_opts $globals" -- "$cur")) ;;
	embed) COMPREPLY=($(compgen -W "$embed_opts $globals" -- "$cur")) ;;
	api)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--data $globals" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "GET POST PUT PATCH DELETE" -- "$cur"))
		fi ;;
	login) COMPREPLY=($(compgen -W "--no-browser --device --timeout $globals" -- "$cur")) ;;
	logout) COMPREPLY=($(compgen -W "--all $globals" -- "$cur")) ;;
	auth) COMPREPLY=($(compgen -W "status" -- "$cur")) ;;
	configure) COMPREPLY=($(compgen -W "--profile --host --cacert" -- "$cur")) ;;
	help) COMPREPLY=($(compgen -W "$commands" -- "$cur")) ;;
	*) COMPREPLY=($(compgen -W "$globals" -- "$cur")) ;;
	esac
}

complete -F _dbxai dbxai
