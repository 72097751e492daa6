// Interface text in Chinese (the default) and English. Names of delegations, groups,
// events, sports and venues come from GET /v1/games (`name` / `name_en`).

// Records as athletics results print them in English: GR, and =GR for an equalled one.
const RECORD_SHORT = { games: "GR", provincial: "PR", national: "NR" };

const TEXT = {
  zh: {
    title: "实时成绩",
    medals: "奖牌榜",
    points: "总分榜",
    combined: "综合榜",
    results: "最新成绩",
    records: "纪录",
    schedule: "赛程",
    allGroups: "全部",
    viewsLabel: "榜单",
    groupsLabel: "组别",
    rank: "名次",
    delegation: "代表团",
    gold: "金",
    silver: "银",
    bronze: "铜",
    total: "总数",
    goldLong: "金牌",
    silverLong: "银牌",
    bronzeLong: "铜牌",
    pointsCol: "总分",
    places: "名次分布 (1–8)",
    score: "综合分",
    medalRank: "奖牌榜名次",
    pointsRank: "总分榜名次",
    combinedRank: "综合榜名次",
    tied: (rank) => `并列第${rank}名`,
    tableCaption: (table, group) => `${table} · ${group}`,
    combinedHelp: "综合分 = 奖牌榜名次 + 总分榜名次，越小越好；同分先比总分榜名次。",
    medalsHelp: "按金牌、银牌、铜牌数依次排序；数字完全相同的代表团名次并列。",
    pointsHelp: "按总分排序；同分按第一名数、第二名数……依次比较。",
    version: (v, time) => `第 ${v} 版 · ${time}`,
    noResults: "暂无成绩。",
    loading: "正在载入……",
    // connection state
    connecting: "正在连接……",
    live: "实时",
    reconnecting: "连接中断，正在重连……",
    stale: "数据可能已过时",
    lastUpdate: (time) => `最后更新 ${time}`,
    lastChange: (time) => `最近变化 ${time}`,
    staleBanner: (time) => `与服务器的连接已中断。以下数据截至 ${time}，可能不是最新；恢复连接后将自动更新。`,
    staleBannerNever: "尚未连接到服务器，暂无数据；连接后将自动显示。",
    switchLanguage: "English",
    switchLanguageLabel: "Switch to English",
    // results
    provisional: "暂定成绩",
    official: "正式成绩",
    unofficial: "待确认",
    cancelled: "成绩已取消",
    correction: "更正",
    underReview: "申诉中",
    reviewNote: (note) => `申诉复核中：${note}`,
    correctionNote: (note) => `更正说明：${note}`,
    note: (note) => `说明：${note}`,
    revision: (n) => `第${n}版`,
    recordLevel: { games: "赛会纪录", provincial: "省纪录", national: "全国纪录" },
    recordSet: { broken: (level) => `破${level}`, equalled: (level) => `平${level}` },
    // On the cards as in full: 破赛会纪录 is short enough.
    recordBadge: {
      broken: (level) => TEXT.zh.recordSet.broken(TEXT.zh.recordLevel[level]),
      equalled: (level) => TEXT.zh.recordSet.equalled(TEXT.zh.recordLevel[level]),
    },
    entryStatus: { DNF: "未完成", DSQ: "取消资格", DNS: "未出发" },
    medalName: { gold: "金牌", silver: "银牌", bronze: "铜牌" },
    receivedAt: (time) => `${time} 发布`,
    // event page
    eventNotFound: "未找到该项目。",
    noResultYet: "该项目尚未发布成绩。",
    competitor: "运动员 / 队伍",
    mark: "成绩",
    medal: "奖牌",
    pointsEarned: "得分",
    entriesCaption: "完整成绩",
    history: "修订记录",
    current: "当前",
    enteredBy: (who) => `录入：${who}`,
    showRevision: (n) => `查看第${n}版成绩`,
    scheduled: (time) => `决赛时间 ${time}`,
    multiplier: (m) => `计分 ×${m}`,
    back: "返回榜单",
    team: "团体",
    individual: "个人",
    // delegation page
    delegationNotFound: "未找到该代表团。",
    byGroup: "各组别排名",
    scope: "组别",
    delegationResults: "本代表团成绩",
    delegationResultsHelp: "本屏收到的全部成绩中该代表团的参赛记录。",
    noDelegationResults: "该代表团暂无成绩。",
    event: "项目",
    // records page
    recordsSetHere: "本届运动会破纪录",
    noRecordsSet: "本届运动会尚无破纪录。",
    standingRecords: "现有纪录",
    recordLevelCol: "级别",
    holder: "纪录保持者",
    year: "年份",
    setHere: "本届",
    previousRecord: (mark, who, year) => `原纪录 ${mark}（${who}，${year}年）`,
    noPreviousRecord: "此前无该级别纪录",
    recordsHelp: "纪录由成绩自动判定：更正或取消成绩后，纪录随之撤销，原纪录恢复。",
    // big screen
    bigScreen: "大屏",
    // team tournaments (docs/tournaments.md)
    tournament: "赛事进程",
    pools: "小组积分",
    pool: (letter) => `${letter}组`,
    bracket: "淘汰赛与排位赛",
    todaysMatches: "今日比赛",
    noMatchesToday: "今日没有比赛。",
    placingsTitle: "名次",
    played: "场",
    won: "胜",
    drawn: "平",
    lost: "负",
    scoredConceded: "得失分",
    difference: "净胜",
    classificationPoints: "积分",
    decidedBy: {
      points: "积分", won: "胜场", "head-to-head-points": "相互间积分",
      "head-to-head-difference": "相互间净胜分", "head-to-head-scored": "相互间得分",
      difference: "净胜分", scored: "得分", "set-ratio": "胜负局比", "point-ratio": "得失分比",
      draw: "抽签",
    },
    tiedDraw: (teams) => `${teams} 各项相同，待抽签决定`,
    liveScore: "进行中",
    finalScore: "完场",
    vs: "对",
    tbd: "待定",
    poolPlace: (letter, place) => `${letter}组第${place}`,
    winnerOf: (name) => `${name}胜者`,
    loserOf: (name) => `${name}负者`,
    latestResults: "最新成绩",
  },
  en: {
    title: "Live results",
    medals: "Medal table",
    points: "Points table",
    combined: "Combined ranking",
    results: "Latest results",
    records: "Records",
    schedule: "Schedule",
    allGroups: "All",
    viewsLabel: "Tables",
    groupsLabel: "Groups",
    rank: "Rank",
    delegation: "Delegation",
    gold: "G",
    silver: "S",
    bronze: "B",
    total: "Total",
    goldLong: "Gold",
    silverLong: "Silver",
    bronzeLong: "Bronze",
    pointsCol: "Points",
    places: "Places (1–8)",
    score: "Score",
    medalRank: "Medal rank",
    pointsRank: "Points rank",
    combinedRank: "Combined rank",
    tied: (rank) => `tied ${ordinal(rank)}`,
    tableCaption: (table, group) => `${table} · ${group}`,
    combinedHelp: "Score = medal-table rank + points-table rank, lower is better; equal scores go by the points rank.",
    medalsHelp: "Ordered by golds, then silvers, then bronzes; delegations equal on all three share a rank.",
    pointsHelp: "Ordered by points; equal points go by more 1st places, then 2nd places, and so on.",
    version: (v, time) => `version ${v} · ${time}`,
    noResults: "No results yet.",
    loading: "Loading…",
    connecting: "Connecting…",
    live: "Live",
    reconnecting: "Connection lost, reconnecting…",
    stale: "Data may be out of date",
    lastUpdate: (time) => `last update ${time}`,
    lastChange: (time) => `last change ${time}`,
    staleBanner: (time) => `The connection to the server is down. What you see is as of ${time} and may be out of date; it updates by itself once the connection is back.`,
    staleBannerNever: "Not connected to the server yet, so there is nothing to show; it appears as soon as the connection is up.",
    switchLanguage: "中文",
    switchLanguageLabel: "切换到中文",
    provisional: "Provisional",
    official: "Official",
    unofficial: "Awaiting confirmation",
    cancelled: "Result withdrawn",
    correction: "Corrected",
    underReview: "Under review",
    reviewNote: (note) => `Under review: ${note}`,
    correctionNote: (note) => `Correction: ${note}`,
    note: (note) => `Note: ${note}`,
    revision: (n) => `revision ${n}`,
    recordLevel: { games: "games record", provincial: "provincial record", national: "national record" },
    recordSet: { broken: (level) => `New ${level}`, equalled: (level) => `Equals the ${level}` },
    recordBadge: { broken: (level) => RECORD_SHORT[level], equalled: (level) => `=${RECORD_SHORT[level]}` },
    entryStatus: { DNF: "DNF", DSQ: "DSQ", DNS: "DNS" },
    medalName: { gold: "Gold", silver: "Silver", bronze: "Bronze" },
    receivedAt: (time) => `published ${time}`,
    eventNotFound: "No such event.",
    noResultYet: "No result has been published for this event yet.",
    competitor: "Competitor / team",
    mark: "Mark",
    medal: "Medal",
    pointsEarned: "Points",
    entriesCaption: "Full result",
    history: "Revision history",
    current: "current",
    enteredBy: (who) => `entered by ${who}`,
    showRevision: (n) => `Show revision ${n}`,
    scheduled: (time) => `final at ${time}`,
    multiplier: (m) => `points ×${m}`,
    back: "Back to the tables",
    team: "team",
    individual: "individual",
    delegationNotFound: "No such delegation.",
    byGroup: "Rankings by group",
    scope: "Group",
    delegationResults: "Results of this delegation",
    delegationResultsHelp: "Its entries in every result this board has received.",
    noDelegationResults: "No results for this delegation yet.",
    event: "Event",
    recordsSetHere: "Records set at these games",
    noRecordsSet: "No record has been set at these games yet.",
    standingRecords: "Standing records",
    recordLevelCol: "Level",
    holder: "Holder",
    year: "Year",
    setHere: "set here",
    previousRecord: (mark, who, year) => `previous record ${mark} (${who}, ${year})`,
    noPreviousRecord: "no record of this level stood before",
    recordsHelp: "Records are found from the marks: a correction or withdrawal that removes a mark removes its record, and the previous one stands again.",
    bigScreen: "Big screen",
    // team tournaments (docs/tournaments.md)
    tournament: "Tournament",
    pools: "Pool standings",
    pool: (letter) => `Pool ${letter}`,
    bracket: "Knockout and placement",
    todaysMatches: "Today's matches",
    noMatchesToday: "No matches today.",
    placingsTitle: "Places",
    played: "P",
    won: "W",
    drawn: "D",
    lost: "L",
    scoredConceded: "For–against",
    difference: "Diff",
    classificationPoints: "Pts",
    decidedBy: {
      points: "points", won: "wins", "head-to-head-points": "head-to-head points",
      "head-to-head-difference": "head-to-head difference",
      "head-to-head-scored": "head-to-head scored", difference: "difference", scored: "scored",
      "set-ratio": "set ratio", "point-ratio": "point ratio", draw: "draw",
    },
    tiedDraw: (teams) => `${teams} are level on everything: the desk's draw decides`,
    liveScore: "Live",
    finalScore: "Final",
    vs: "v",
    tbd: "TBD",
    poolPlace: (letter, place) => `${letter}${place}`,
    winnerOf: (name) => `Winner ${name}`,
    loserOf: (name) => `Loser ${name}`,
    latestResults: "Latest results",
  },
};

function ordinal(n) {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${{ 1: "st", 2: "nd", 3: "rd" }[n % 10] || "th"}`;
}

export const LANGUAGES = ["zh", "en"];

export class I18n {
  constructor(language) {
    this.setLanguage(language);
  }

  setLanguage(language) {
    this.language = LANGUAGES.includes(language) ? language : "zh";
    this.text = TEXT[this.language];
    const locale = this.language === "zh" ? "zh-CN" : "en-GB";
    // The games run on Beijing time; everyone sees the venue's clock.
    this.timeFormat = new Intl.DateTimeFormat(locale, {
      hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
      timeZone: "Asia/Shanghai",
    });
    this.dateTimeFormat = new Intl.DateTimeFormat(locale, {
      month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false,
      timeZone: "Asia/Shanghai",
    });
    this.numberFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
  }

  /** The display name of anything with `name` and `name_en`. */
  name(item, fallback = "") {
    if (!item) return fallback;
    return (this.language === "en" && item.name_en) || item.name || fallback;
  }

  time(value) {
    const date = value instanceof Date ? value : new Date(value);
    return Number.isNaN(date.getTime()) ? "" : this.timeFormat.format(date);
  }

  dateTime(value) {
    const date = value instanceof Date ? value : new Date(value);
    return Number.isNaN(date.getTime()) ? "" : this.dateTimeFormat.format(date);
  }

  number(value) {
    return typeof value === "number" ? this.numberFormat.format(value) : "";
  }
}
