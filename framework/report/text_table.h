// A plain-text table for terminals: aligned columns, numbers right-aligned, optional rules; and
// the one CSV field quoting the commands that write CSV share.
//
//   TextTable table({"name", "layers"}, {Align::kLeft, Align::kRight});
//   table.AddRow({"llama-3-70b", "80"});
//   table.AddRule();
//   std::string text = table.Render();
#ifndef INFERCOST_FRAMEWORK_REPORT_TEXT_TABLE_H_
#define INFERCOST_FRAMEWORK_REPORT_TEXT_TABLE_H_

#include <string>
#include <vector>

namespace infercost::framework {

enum class Align { kLeft, kRight };

class TextTable {
 public:
  TextTable(std::vector<std::string> headers, std::vector<Align> aligns);
  // Cells beyond the header count are dropped; missing cells are blank.
  void AddRow(std::vector<std::string> cells);
  // A horizontal rule between row groups.
  void AddRule();
  std::string Render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<Align> aligns_;
  std::vector<std::vector<std::string>> rows_;  // an empty row is a rule
};

// `text` as one CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break,
// quotes doubled.
std::string CsvField(const std::string& text);

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_REPORT_TEXT_TABLE_H_
